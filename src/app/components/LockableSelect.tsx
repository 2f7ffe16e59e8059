import type { ControlName } from '../instructor/controls';
import { LockNote, lockedProps } from '../instructor/ui';
import { useControlMode } from '../hooks/control-mode';

export interface SelectOption<T extends string | number> {
  value: T;
  label: string;
  disabled?: boolean;
}

interface Props<T extends string | number> {
  /** The instructor control that may hide or lock it (instructor/controls.ts). */
  control: ControlName;
  label: string;
  value: T;
  options: readonly SelectOption<T>[];
  onChange(value: T): void;
  /** Disabled for another reason than a lock (the run is loading, say). */
  disabled?: boolean;
  className?: string;
}

/**
 * A labelled dropdown an instructor link can hide (not rendered) or lock (disabled, with the reason
 * beside it and as its description). The value keeps its type: numbers come back as numbers.
 */
export function LockableSelect<T extends string | number>({ control, label, value, options, onChange, disabled = false, className }: Props<T>) {
  const mode = useControlMode(control);
  if (mode === 'hidden') return null;
  return (
    <label className={className}>
      {label}
      <select
        value={value}
        disabled={disabled || mode === 'locked'}
        {...lockedProps(control, mode, label)}
        onChange={(e) => onChange(options[e.target.selectedIndex].value)}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value} disabled={o.disabled}>
            {o.label}
          </option>
        ))}
      </select>
      <LockNote control={control} mode={mode} />
    </label>
  );
}
