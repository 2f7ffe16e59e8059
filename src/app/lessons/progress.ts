/**
 * Step tracking, as pure functions over snapshots of the page. Steps are done in order: the current
 * step ticks when its condition holds (and, for training steps, after that many steps trained while
 * it held); a ticked step stays ticked even when a later step changes the settings back.
 */
import type { Lesson, LessonSnapshot, LessonStep } from './types';

export interface LessonProgress {
  /** How many steps are done (the current step's index). */
  done: number;
  /** The training step at which the current step's condition last became true, or null while it does not hold. */
  since: number | null;
}

export const NO_PROGRESS: LessonProgress = { done: 0, since: null };

export type StepStatus = 'done' | 'current' | 'todo';

export function stepStatus(progress: LessonProgress, index: number): StepStatus {
  return index < progress.done ? 'done' : index === progress.done ? 'current' : 'todo';
}

/** Moves the progress on by what the snapshot shows; returns the same object when nothing changed. */
export function advance(lesson: Lesson, progress: LessonProgress, s: LessonSnapshot): LessonProgress {
  let { done, since } = progress;
  while (done < lesson.steps.length) {
    const step = lesson.steps[done];
    if (!step.when(s)) {
      since = null;
      break;
    }
    // A new run (Reset, or a setting that restarts) starts counting again from its step 0.
    if (since === null || since > s.step) since = s.step;
    if (s.step - since < (step.trainSteps ?? 0)) break;
    done += 1;
    since = null;
  }
  return done === progress.done && since === progress.since ? progress : { done, since };
}

/** For the current step: how many of its training steps are done, while its condition holds. */
export function trainedSoFar(step: LessonStep, progress: LessonProgress, s: LessonSnapshot): number | null {
  if (!step.trainSteps || progress.since === null || !step.when(s)) return null;
  return Math.min(step.trainSteps, Math.max(0, s.step - progress.since));
}

export function isComplete(lesson: Lesson, progress: LessonProgress): boolean {
  return progress.done >= lesson.steps.length;
}
