import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { CONTROL_LABELS, CONTROL_NAMES, hasFlags, type ControlMode, type ControlName } from '../instructor/controls';
import { flagsFromChoices, instructorLink, lessonBlockers, type ControlChoices } from '../instructor/link';
import { LESSONS } from '../lessons/lessons';
import { LabelledSelect, type SelectOption } from './LockableSelect';
import { openLesson } from '../lessons/lesson-store';
import { useSettings } from '../stores/settings-store';
import { urlStateOf } from '../url-sync';

const MODES: ControlMode[] = ['shown', 'locked', 'hidden'];

/** The lesson a link may open ('' for none). */
const LESSON_OPTIONS: readonly SelectOption<string>[] = [{ value: '', label: 'none' }, ...LESSONS.map((l) => ({ value: l.id, label: l.title }))];

/** One click: students may only toggle the parameter groups (and watch attention). */
const ONLY_GROUPS: ControlChoices = {
  task: 'locked',
  backbone: 'locked',
  lr: 'locked',
  batch: 'locked',
  seed: 'locked',
  backend: 'hidden',
  presets: 'hidden',
  adapters: 'hidden',
};

/**
 * For teachers: the current settings as a link, plus controls to hide or lock and a lesson to open.
 * Not shown on a link that already hides or locks something (the students' view).
 */
export function InstructorLinkBuilder() {
  const pageFlags = useSettings((s) => s.instructor);
  const state = useSettings(useShallow(urlStateOf));
  const [choices, setChoices] = useState<ControlChoices>({});
  const [lesson, setLesson] = useState<string | null>(null);
  const [copied, setCopied] = useState<string | null>(null);
  const [open, setOpen] = useState(false);
  if (hasFlags(pageFlags)) return null;
  const flags = flagsFromChoices(choices);
  const link = instructorLink(location.href, state, flags, lesson);
  const blockers = lessonBlockers(flags, lesson);
  const choose = (c: ControlName, m: ControlMode) => setChoices((prev) => ({ ...prev, [c]: m }));
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(link);
      setCopied('Copied to the clipboard.');
    } catch {
      (document.getElementById('instructor-link') as HTMLTextAreaElement | null)?.select();
      setCopied('Copying was refused by the browser: the link is selected, press Ctrl+C.');
    }
  };
  return (
    <details className="panel link-builder" open={open} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>
        <h2>Instructor link</h2>
      </summary>
      {/* Built only when open, so that its many labelled inputs stay out of the page until a teacher asks. */}
      {open && (
        <>
          <p className="muted">
            The link carries the current settings. Choose what students may change and a lesson to open. Locking only guides a class: anyone can still edit the
            address.
          </p>
          <div className="link-builder-quick">
            <button type="button" onClick={() => setChoices(ONLY_GROUPS)}>
              Students toggle groups only
            </button>
            <button type="button" onClick={() => setChoices({})}>
              Show everything
            </button>
          </div>
          <table className="control-table">
            <thead>
              <tr>
                <th scope="col">Control</th>
                {MODES.map((m) => (
                  <th scope="col" key={m}>
                    {m}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {CONTROL_NAMES.map((c) => (
                <tr key={c}>
                  <th scope="row">{CONTROL_LABELS[c]}</th>
                  {MODES.map((m) => (
                    <td key={m}>
                      <input
                        type="radio"
                        name={`control-${c}`}
                        aria-label={`${CONTROL_LABELS[c]}: ${m}`}
                        checked={(choices[c] ?? 'shown') === m}
                        onChange={() => choose(c, m)}
                      />
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          <LabelledSelect label="Lesson to open" value={lesson ?? ''} options={LESSON_OPTIONS} onChange={(id) => setLesson(id || null)} />
          {blockers.map((b) => (
            <p key={b} className="notice warning" role="note">
              {b}
            </p>
          ))}
          <label>
            Link for students
            <textarea id="instructor-link" readOnly rows={4} value={link} data-testid="instructor-link" onFocus={(e) => e.currentTarget.select()} />
          </label>
          <div className="link-builder-actions">
            <button type="button" className="primary" onClick={() => void copy()}>
              Copy link
            </button>
            <a href={link} target="_blank" rel="noopener">
              Open in a new tab
            </a>
            {lesson && (
              <button type="button" onClick={() => openLesson(lesson)}>
                Try the lesson here
              </button>
            )}
          </div>
          {copied && (
            <p className="muted" role="status">
              {copied}
            </p>
          )}
        </>
      )}
    </details>
  );
}
