/**
 * The open lesson's progress, kept up to date with the page. Not in the link (a shared link starts
 * the lesson afresh), but kept for the tab in sessionStorage, so a reload (which resumes the saved
 * run) does not untick what a student did.
 */
import { create } from 'zustand';
import { z } from 'zod';
import { useSettings } from '../stores/settings-store';
import { pageState, subscribePage } from '../stores/page';
import { lessonById } from './lessons';
import { advance, NO_PROGRESS, type LessonProgress } from './progress';
import { snapshotOf } from './snapshot';

interface LessonUi {
  progress: LessonProgress;
  collapsed: boolean;
}

export const useLessonUi = create<LessonUi>(() => ({ progress: NO_PROGRESS, collapsed: false }));

const storageKey = (id: string) => `fpt-lesson-progress:${id}`;
/** What sessionStorage keeps of a lesson (written by save, read by saved): the steps ticked off. */
const savedProgressSchema = z.object({ done: z.number().int().nonnegative() });

function saved(id: string | null): LessonProgress {
  if (id === null) return NO_PROGRESS;
  try {
    const checked = savedProgressSchema.safeParse(JSON.parse(sessionStorage.getItem(storageKey(id)) ?? 'null'));
    // Only the ticked steps come back; the current step's count starts again.
    return checked.success ? { done: checked.data.done, since: null } : NO_PROGRESS;
  } catch {
    return NO_PROGRESS;
  }
}

function save(id: string, progress: LessonProgress): void {
  try {
    sessionStorage.setItem(storageKey(id), JSON.stringify(savedProgressSchema.parse({ done: progress.done })));
  } catch {
    // Storage unavailable (private mode, quota): progress lasts until the page closes.
  }
}

/** Opens a lesson from its first step (or closes it, with null). */
export function openLesson(id: string | null): void {
  if (id !== null) save(id, NO_PROGRESS);
  useLessonUi.setState({ progress: NO_PROGRESS, collapsed: false });
  useSettings.setState({ lessonId: id });
}

export const setLessonCollapsed = (collapsed: boolean) => useLessonUi.setState({ collapsed });

/** Re-evaluates the current step on every change of the page's state. */
export function trackLessonProgress(): () => void {
  const update = () => {
    const s = pageState();
    const lesson = lessonById(s.lessonId);
    if (!lesson) return;
    const { progress } = useLessonUi.getState();
    const next = advance(lesson, progress, snapshotOf(s));
    if (next === progress) return;
    useLessonUi.setState({ progress: next });
    if (next.done !== progress.done) save(lesson.id, next);
  };
  useLessonUi.setState({ progress: saved(useSettings.getState().lessonId) });
  update();
  const offLesson = useSettings.subscribe((s, previous) => {
    if (s.lessonId !== previous.lessonId) useLessonUi.setState({ progress: saved(s.lessonId) });
  });
  const offPage = subscribePage(update);
  return () => {
    offLesson();
    offPage();
  };
}
