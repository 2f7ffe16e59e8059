/**
 * Instructor flags: a link may hide or lock chosen controls (`hide=backend,adapters&lock=task,backbone`),
 * so that a room of students changes only what the lesson is about. Locking is a classroom aid, not
 * security: anyone can edit the address. Pure functions; the URL schema (url-state.ts) reads and
 * writes the lists through them.
 */
import { quotedList } from '../quote';

/** The controls a link can hide or lock, in the order links list them. */
export const CONTROL_NAMES = ['task', 'backbone', 'lr', 'batch', 'seed', 'groups', 'speed', 'backend', 'layer', 'presets', 'adapters'] as const;
export type ControlName = (typeof CONTROL_NAMES)[number];

/** What each control is called on the page. */
export const CONTROL_LABELS: Record<ControlName, string> = {
  task: 'Task',
  backbone: 'Backbone',
  lr: 'Learning rate',
  batch: 'Batch size',
  seed: 'Seed',
  groups: 'Parameter groups (What trains)',
  speed: 'Steps per update',
  backend: 'Compute',
  layer: 'Attention layer',
  presets: 'Paper experiments',
  adapters: 'Export / import adapters',
};

export interface InstructorFlags {
  /** Controls not shown at all. */
  hide: ControlName[];
  /** Controls shown but disabled. */
  lock: ControlName[];
}

export const NO_FLAGS: InstructorFlags = { hide: [], lock: [] };

export type ControlMode = 'shown' | 'locked' | 'hidden';

export const LOCK_REASON = 'locked by your instructor';

export function controlMode(flags: InstructorFlags, name: ControlName): ControlMode {
  if (flags.hide.includes(name)) return 'hidden';
  if (flags.lock.includes(name)) return 'locked';
  return 'shown';
}

export function hasFlags(flags: InstructorFlags): boolean {
  return flags.hide.length > 0 || flags.lock.length > 0;
}

export function isControlName(name: string): name is ControlName {
  return (CONTROL_NAMES as readonly string[]).includes(name);
}

/** A comma list of control names, in canonical order and without repeats; unknown names dropped with a notice. */
export function parseControlList(raw: string, key: 'hide' | 'lock', notices: string[]): ControlName[] {
  const items = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = [...new Set(items.filter((name) => !isControlName(name)))];
  if (unknown.length > 0) {
    const verb = key === 'hide' ? 'hide' : 'lock';
    notices.push(`cannot ${verb} unknown control${unknown.length > 1 ? 's' : ''} ${quotedList(unknown)}: ignored (known: ${CONTROL_NAMES.join(', ')})`);
  }
  return CONTROL_NAMES.filter((name) => items.includes(name));
}

/** Hidden wins over locked: a control named in both lists is hidden, with a notice. */
export function combineFlags(hide: ControlName[], lock: ControlName[], notices: string[]): InstructorFlags {
  const both = lock.filter((name) => hide.includes(name));
  if (both.length > 0) notices.push(`${both.join(', ')} ${both.length > 1 ? 'are' : 'is'} both hidden and locked: hiding ${both.length > 1 ? 'them' : 'it'}`);
  return { hide, lock: lock.filter((name) => !hide.includes(name)) };
}

export function encodeControlList(list: readonly ControlName[]): string {
  return CONTROL_NAMES.filter((name) => list.includes(name)).join(',');
}
