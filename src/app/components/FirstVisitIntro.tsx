import { useState } from 'react';
import { LESSONS } from '../lessons/lessons';
import { openLesson } from '../lessons/lesson-store';
import { useSettings } from '../stores/settings-store';

/** localStorage key remembering that this browser dismissed the intro. */
export const INTRO_DISMISSED_KEY = 'fpt-intro-dismissed';

function dismissedBefore(): boolean {
  try {
    return localStorage.getItem(INTRO_DISMISSED_KEY) === '1';
  } catch {
    return false;
  }
}

function remember(): void {
  try {
    localStorage.setItem(INTRO_DISMISSED_KEY, '1');
  } catch {
    // No storage (private mode): the intro comes back next visit.
  }
}

/** Three sentences for a first visit, with the guided lesson on offer; gone for good once dismissed. */
export function FirstVisitIntro() {
  const [shown, setShown] = useState(() => !dismissedBefore());
  // A lesson open (from a link, say) is the guide already.
  const inLesson = useSettings((s) => s.lessonId !== null);
  if (!shown || inLesson) return null;
  const lesson = LESSONS[0];
  const close = () => {
    remember();
    setShown(false);
  };
  return (
    <aside className="intro" aria-labelledby="intro-title" data-testid="first-visit-intro">
      <h2 id="intro-title">What you are looking at</h2>
      <p>
        A transformer (GPT-2’s architecture), drawn left to right: tokens in, prediction out. Only the parts ticked “trains” learn; the rest keep their weights.
        Press Play and watch the curves and the attention maps change.
      </p>
      <div className="intro-actions">
        <button
          type="button"
          className="primary"
          onClick={() => {
            openLesson(lesson.id);
            close();
          }}
        >
          Guided lesson
        </button>
        <button type="button" onClick={close}>
          Dismiss
        </button>
      </div>
    </aside>
  );
}
