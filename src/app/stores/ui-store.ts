/** How the page is shown, not what trains: notices, overlays, the open secondary panel, the intro. */
import { create } from 'zustand';
import { OPENED_URL } from './settings-store';

export interface CurveOverlay {
  id: string;
  label: string;
  points: { step: number; accuracy: number }[];
}

export interface UiState {
  /** What was changed while reading the link the page was opened with. */
  urlNotices: string[];
  /** "Compare with step 0" in the attention panel. */
  attentionCompare: boolean;
  /** Sweep runs overlaid on the accuracy chart. */
  overlays: CurveOverlay[];
  /** The secondary panel open below the model (components/panels.tsx), or none. */
  panel: string | null;
}

export const useUi = create<UiState>(() => ({
  urlNotices: OPENED_URL.notices,
  attentionCompare: false,
  overlays: [],
  panel: null,
}));
