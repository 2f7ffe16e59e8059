/** The instructor link builder's logic: the page's settings plus the chosen flags and lesson, as a link. */
import { lessonById } from '../lessons/lessons';
import { encodeUrlState, type UrlState } from '../url-state';
import { CONTROL_LABELS, CONTROL_NAMES, controlMode, type ControlMode, type ControlName, type InstructorFlags } from './controls';

export type ControlChoices = Partial<Record<ControlName, ControlMode>>;

export function flagsFromChoices(choices: ControlChoices): InstructorFlags {
  return {
    hide: CONTROL_NAMES.filter((c) => choices[c] === 'hidden'),
    lock: CONTROL_NAMES.filter((c) => choices[c] === 'locked'),
  };
}

/** The link students open: the current settings, the flags and the lesson; e2e hooks (`debug`) left out. */
export function instructorLink(pageUrl: string, state: UrlState, flags: InstructorFlags, lesson: string | null): string {
  const url = new URL(pageUrl);
  url.search = `?${encodeUrlState({ ...state, instructor: flags, lesson, extras: {} })}`;
  url.hash = '';
  return url.toString();
}

/** Sentences warning that the lesson asks students to change a control the link hides or locks. */
export function lessonBlockers(flags: InstructorFlags, lessonId: string | null): string[] {
  const lesson = lessonById(lessonId);
  if (!lesson) return [];
  return lesson.uses
    .filter((c) => controlMode(flags, c) !== 'shown')
    .map((c) => `The lesson asks students to use ${CONTROL_LABELS[c]}, which this link ${controlMode(flags, c) === 'hidden' ? 'hides' : 'locks'}.`);
}
