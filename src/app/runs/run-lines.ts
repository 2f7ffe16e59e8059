/** Which kept runs the charts draw, and in which colours (shared by the charts and the Runs table). */
import type { RunRecord } from './run-history';

/** Okabe-Ito colours (distinguishable with the common colour blindnesses), minus the live run's orange and the loss blue. */
export const RUN_COLOURS = ['#009E73', '#CC79A7', '#D55E00', '#56B4E9', '#F0E442'];
/** The baseline is drawn black, thicker and dashed. */
export const BASELINE_COLOUR = '#000000';
/** The live run's colour on the accuracy chart (Charts.tsx). */
export const LIVE_COLOUR = '#E69F00';

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
}

/** The colour a run is drawn in, or null when it is not on the charts. */
export function colourOf(id: string, sel: Omit<RunSelection, 'runs'>): string | null {
  if (id === sel.liveId) return LIVE_COLOUR;
  if (id === sel.baselineId) return BASELINE_COLOUR;
  const others = sel.shown.filter((x) => x !== sel.liveId && x !== sel.baselineId);
  const i = others.indexOf(id);
  return i < 0 ? null : RUN_COLOURS[i % RUN_COLOURS.length];
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
