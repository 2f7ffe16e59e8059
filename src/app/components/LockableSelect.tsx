import type { ReactNode, SelectHTMLAttributes } from 'react';
import type { ControlName } from '../instructor/controls';
import { LockNote, lockedProps } from '../instructor/ui';
import { useControlMode } from '../hooks/control-mode';

export interface SelectOption<T extends string | number> {
  value: T;
  label: string;
  disabled?: boolean;
}

interface SelectProps<T extends string | number> {
  label: string;
  value: T;
  options: readonly SelectOption<T>[];
  onChange(value: T): void;
  /** Disabled for another reason than a lock (the run is loading, say). */
  disabled?: boolean;
  className?: string;
}

interface Props<T extends string | number> extends SelectProps<T> {
  /** The instructor control that may hide or lock it (instructor/controls.ts). */
  control: ControlName;
}

/** A labelled dropdown whose value keeps its type: numbers come back as numbers. `selectProps` and `children` (after the dropdown) are for callers that describe it further. */
export function LabelledSelect<T extends string | number>({
  label,
  value,
  options,
  onChange,
  disabled = false,
  className,
  selectProps,
  children,
}: SelectProps<T> & { selectProps?: SelectHTMLAttributes<HTMLSelectElement>; children?: ReactNode }) {
  return (
    <label className={className}>
      {label}
      <select value={value} disabled={disabled} {...selectProps} onChange={(e) => onChange(options[e.target.selectedIndex].value)}>
        {options.map((o) => (
          <option key={o.value} value={o.value} disabled={o.disabled}>
            {o.label}
          </option>
        ))}
      </select>
      {children}
    </label>
  );
}

/**
 * A labelled dropdown an instructor link can hide (not rendered) or lock (disabled, with the reason
 * beside it and as its description).
 */
export function LockableSelect<T extends string | number>({ control, disabled = false, ...rest }: Props<T>) {
  const mode = useControlMode(control);
  if (mode === 'hidden') return null;
  return (
    <LabelledSelect {...rest} disabled={disabled || mode === 'locked'} selectProps={lockedProps(control, mode, rest.label)}>
      <LockNote control={control} mode={mode} />
    </LabelledSelect>
  );
}
