import { lessonById } from '../lessons/lessons';
import { openLesson, setLessonCollapsed, useLessonUi } from '../lessons/lesson-store';
import { isComplete, stepStatus, trainedSoFar } from '../lessons/progress';
import { snapshotOf } from '../lessons/snapshot';
import { useShallow } from 'zustand/react/shallow';
import { useSettings } from '../stores/settings-store';
import { useRun } from '../stores/run-store';
import { useUi } from '../stores/ui-store';

/** Training progress of the current step ("4 of 10 steps"), while its condition holds. */
function StepCounter({ lessonId, index }: { lessonId: string; index: number }) {
  const progress = useLessonUi((s) => s.progress);
  const settings = useSettings((s) => s.settings);
  const run = useRun(useShallow(({ phase, points, attention, model }) => ({ phase, points, attention, model })));
  const attentionCompare = useUi((s) => s.attentionCompare);
  const trained = trainedSoFar(lessonById(lessonId)!.steps[index], progress, snapshotOf({ settings, ...run, attentionCompare }));
  const total = lessonById(lessonId)!.steps[index].trainSteps;
  if (!total) return null;
  return (
    <p className="lesson-counter" data-testid="lesson-counter">
      {trained === null ? `Then train ${total} steps.` : `${trained} of ${total} steps trained.`}
    </p>
  );
}

/**
 * A guided lesson beside the page: its steps in order, the current one highlighted, each ticked
 * automatically when the page shows it done (lessons/progress.ts). Collapses to a small button.
 */
export function LessonPanel() {
  const lessonId = useSettings((s) => s.lessonId);
  const { progress, collapsed } = useLessonUi();
  const lesson = lessonById(lessonId);
  if (!lesson) return null;
  const done = Math.min(progress.done, lesson.steps.length);
  const counter = `${done} of ${lesson.steps.length} done`;
  if (collapsed) {
    return (
      <button type="button" className="lesson-reopen" onClick={() => setLessonCollapsed(false)} aria-label={`Show lesson (${counter})`}>
        Lesson · {counter}
      </button>
    );
  }
  return (
    <aside className="panel lesson-panel" aria-labelledby="lesson-title" data-testid="lesson-panel">
      <div className="lesson-head">
        <p className="lesson-kicker">Lesson · {counter}</p>
        <div className="lesson-buttons">
          <button type="button" onClick={() => setLessonCollapsed(true)} aria-expanded="true">
            Hide
          </button>
          <button type="button" onClick={() => openLesson(null)}>
            End
          </button>
        </div>
      </div>
      <h2 id="lesson-title">{lesson.title}</h2>
      <p className="lesson-summary">{lesson.summary}</p>
      {lesson.needs && <p className="lesson-needs">Needs {lesson.needs}</p>}
      <div
        className="lesson-progress"
        role="progressbar"
        aria-label="Lesson progress"
        aria-valuemin={0}
        aria-valuemax={lesson.steps.length}
        aria-valuenow={done}
      >
        <div style={{ width: `${(100 * done) / lesson.steps.length}%` }} />
      </div>
      <ol className="lesson-steps">
        {lesson.steps.map((step, i) => {
          const status = stepStatus(progress, i);
          return (
            <li
              key={step.id}
              className={`lesson-step ${status}`}
              data-testid={`lesson-step-${step.id}`}
              data-status={status}
              aria-current={status === 'current' ? 'step' : undefined}
            >
              <span className="tick" aria-hidden="true">
                {status === 'done' ? '✓' : i + 1}
              </span>
              <div>
                <p className="lesson-task">
                  {step.task}
                  <span className="sr-only">{status === 'done' ? ' (done)' : status === 'current' ? ' (current step)' : ''}</span>
                </p>
                {status !== 'todo' && <p className="lesson-why">{step.why}</p>}
                {status === 'current' && <StepCounter lessonId={lesson.id} index={i} />}
              </div>
            </li>
          );
        })}
      </ol>
      {isComplete(lesson, progress) && (
        <p className="lesson-complete" role="status">
          Lesson complete. Try the other backbone or another task from Paper experiments.
        </p>
      )}
    </aside>
  );
}
