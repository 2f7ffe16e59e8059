/**
 * What the user chose: the run's settings and the view settings a link carries (url-state.ts). Read
 * from the address once, at load; written by the controls (through training-client.ts) and url-sync.
 */
import { create } from 'zustand';
import type { GroupName } from '../../engine/groups';
import type { RunSettings } from '../../worker/protocol';
import type { InstructorFlags } from '../instructor/controls';
import { decodeUrlState } from '../url-state';

export interface SettingsState {
  settings: RunSettings;
  /** Screen updates every this many steps. */
  stepsPerUpdate: number;
  /** The layer the attention panel shows. */
  attentionLayer: number;
  /** URL keys the page does not own but keeps in the address (`debug`). */
  urlExtras: Record<string, string>;
  /** Controls the link hides or locks (fixed for the page's life). */
  instructor: InstructorFlags;
  /** The guided lesson open in the side panel. */
  lessonId: string | null;
  /** The paper experiment last loaded (it draws its row's number while the settings match it). */
  presetId: string | null;

  patchSettings(patch: Partial<RunSettings>): void;
  setGroups(groups: GroupName[]): void;
  setStepsPerUpdate(n: number): void;
}

/** The page's address when this module loads, decoded (with what had to be changed to read it). */
export const OPENED_URL = decodeUrlState(typeof location === 'undefined' ? '' : location.search);

export const useSettings = create<SettingsState>((set) => ({
  settings: OPENED_URL.state.settings,
  stepsPerUpdate: OPENED_URL.state.stepsPerUpdate,
  attentionLayer: OPENED_URL.state.layer,
  urlExtras: OPENED_URL.state.extras,
  instructor: OPENED_URL.state.instructor,
  lessonId: OPENED_URL.state.lesson,
  presetId: OPENED_URL.state.preset,

  patchSettings: (patch) => set((s) => ({ settings: { ...s.settings, ...patch } })),
  setGroups: (groups) => set((s) => ({ settings: { ...s.settings, groups } })),
  setStepsPerUpdate: (stepsPerUpdate) => set({ stepsPerUpdate }),
}));
