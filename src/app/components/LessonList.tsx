import { LESSONS } from '../lessons/lessons';
import { openLesson } from '../lessons/lesson-store';
import { useSettings } from '../stores/settings-store';

/** The guided lessons, each opened beside the model (components/LessonPanel.tsx) from its first step. */
export function LessonList() {
  const openId = useSettings((s) => s.lessonId);
  return (
    <section className="panel lessons" aria-labelledby="lessons-title">
      <h2 id="lessons-title">Guided lessons</h2>
      <ul className="lesson-list">
        {LESSONS.map((l) => (
          <li key={l.id}>
            <div>
              <strong>{l.title}</strong>
              <p className="muted">{l.summary}</p>
            </div>
            <button type="button" onClick={() => openLesson(l.id)} disabled={openId === l.id} aria-label={`Open lesson: ${l.title}`}>
              {openId === l.id ? 'Open' : 'Start'}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
