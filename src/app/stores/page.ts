/** The three stores seen together, for readers that need all of them (lesson steps, the link builder). */
import { useRun, type RunState } from './run-store';
import { useSettings, type SettingsState } from './settings-store';
import { useUi, type UiState } from './ui-store';

export type PageState = SettingsState & RunState & UiState;

export const pageState = (): PageState => ({ ...useSettings.getState(), ...useRun.getState(), ...useUi.getState() });

/** Calls `listener` after any of the three stores changes; returns the unsubscribe. */
export function subscribePage(listener: () => void): () => void {
  const offs = [useSettings.subscribe(listener), useRun.subscribe(listener), useUi.subscribe(listener)];
  return () => offs.forEach((off) => off());
}
