/** How a control shows what an instructor link did to it: absent when hidden, disabled with a reason when locked. */
import { LOCK_REASON, type ControlMode, type ControlName } from './controls';

/**
 * Props for a locked input: described by the note, with the reason on hover. The note sits inside the
 * input's <label>, so `label` keeps the input's name what it was ("Task", not "Task locked by …").
 */
export function lockedProps(name: ControlName, mode: ControlMode, label?: string): { 'aria-describedby'?: string; 'aria-label'?: string; title?: string } {
  if (mode !== 'locked') return {};
  return { 'aria-describedby': `lock-note-${name}`, title: LOCK_REASON, ...(label ? { 'aria-label': label } : {}) };
}

/** The visible reason beside a locked control (kept out of the control's name; read as its description). */
export function LockNote({ control, mode }: { control: ControlName; mode: ControlMode }) {
  if (mode !== 'locked') return null;
  return (
    <span id={`lock-note-${control}`} className="lock-note" aria-hidden="true" data-testid={`lock-note-${control}`}>
      {LOCK_REASON}
    </span>
  );
}
