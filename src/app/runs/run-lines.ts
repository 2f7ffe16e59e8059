/** Which kept runs the charts draw, and in which colours (shared by the charts and the Runs table). */
import { BASELINE_COLOUR, LIVE_COLOUR, overlayColour } from '../palette';
import type { RunRecord } from './run-history';

export interface RunLine {
  id: string;
  name: string;
  colour: string;
  baseline: boolean;
  /** Test accuracy in percent. */
  accuracy: { step: number; accuracy: number }[];
  loss: { step: number; loss: number }[];
}

export interface RunSelection {
  runs: readonly RunRecord[];
  liveId: string;
  shown: readonly string[];
  baselineId: string | null;
  /** How many sweep curves the accuracy chart overlays: they take the first overlay colours. */
  sweepOverlays?: number;
}

/** The colour a run is drawn in, or null when it is not on the charts. */
export function colourOf(id: string, sel: Omit<RunSelection, 'runs'>): string | null {
  if (id === sel.liveId) return LIVE_COLOUR;
  if (id === sel.baselineId) return BASELINE_COLOUR;
  const others = sel.shown.filter((x) => x !== sel.liveId && x !== sel.baselineId);
  const i = others.indexOf(id);
  return i < 0 ? null : overlayColour((sel.sweepOverlays ?? 0) + i);
}

/** The kept runs to overlay: the baseline first (always drawn), then the ticked ones; never the live run (the charts draw it anyway). */
export function runLines(sel: RunSelection): RunLine[] {
  const ids = [...(sel.baselineId !== null ? [sel.baselineId] : []), ...sel.shown.filter((x) => x !== sel.baselineId)].filter((id) => id !== sel.liveId);
  const lines: RunLine[] = [];
  for (const id of ids) {
    const run = sel.runs.find((r) => r.id === id);
    if (!run) continue;
    lines.push({
      id,
      name: run.name,
      colour: colourOf(id, sel)!,
      baseline: id === sel.baselineId,
      accuracy: run.points.filter((p) => p.testAccuracy !== undefined).map((p) => ({ step: p.step, accuracy: 100 * p.testAccuracy! })),
      loss: run.points.filter((p) => p.trainLoss !== undefined).map((p) => ({ step: p.step, loss: p.trainLoss! })),
    });
  }
  return lines;
}
