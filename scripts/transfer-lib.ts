/**
 * The pure parts of scripts/transfer-experiment.ts: training a run until a test accuracy or a step
 * cap, the steps at which a curve first reached a level, and the per-body summary (mean ± sd over
 * seeds) that README's tables print. Tested in scripts/transfer-lib.test.ts.
 */
import type { EvaluatedPoint } from '../src/engine/train/metrics';
import { runTrainingLoop } from '../src/engine/train/training-loop';
import type { Trainer } from '../src/engine/train/trainer';

export interface TrainUntilOptions {
  /** The step cap. */
  steps: number;
  evalEvery: number;
  /** Stop after the first evaluation whose test accuracy is at least this (a fraction); absent: run every step. */
  stopAt?: number;
}

/**
 * runTrainingLoop's curve (an evaluation every `evalEvery` steps and after the last), taken one
 * evaluation interval at a time so that the run can stop at the first evaluation reaching `stopAt`.
 * Without a stop it is the same curve as one runTrainingLoop call over `steps`.
 */
export async function trainUntil(trainer: Trainer, { steps, evalEvery, stopAt }: TrainUntilOptions): Promise<EvaluatedPoint[]> {
  if (!(Number.isInteger(steps) && steps >= 1)) throw new Error(`--steps must be a whole number ≥ 1, got ${steps}`);
  if (!(Number.isInteger(evalEvery) && evalEvery >= 1)) throw new Error(`--eval-every must be a whole number ≥ 1, got ${evalEvery}`);
  const curve: EvaluatedPoint[] = [];
  for (let done = 0; done < steps;) {
    const chunk = Math.min(evalEvery, steps - done);
    const part = await runTrainingLoop(trainer, { steps: chunk, evalEvery: chunk });
    for (const point of part) curve.push({ ...point, step: point.step + done });
    done += chunk;
    if (stopAt !== undefined && curve.at(-1)!.testAccuracy >= stopAt) break;
  }
  return curve;
}

/** The first evaluated step whose test accuracy is at least `level`, or null if none is. */
export function firstReaching(curve: readonly EvaluatedPoint[], level: number): number | null {
  return curve.find((p) => p.testAccuracy >= level)?.step ?? null;
}

/** What one run of the experiment recorded (one JSON line, one row of the per-seed table). */
export interface RunRow {
  init: string;
  seed: number;
  final_acc: number;
  steps_to_90: number | null;
  steps_to_100: number | null;
  /** The last step trained (the cap, or the evaluation at which the run stopped). */
  steps_run: number;
}

/** One line per body: mean ± sample sd of the final accuracy and how many seeds reached 90% / 100%. */
export interface BodySummary {
  init: string;
  seeds: number;
  meanAcc: number;
  sdAcc: number;
  reached90: number;
  reached100: number;
  /** Steps to 90% / 100% of the seeds that reached it, in seed order. */
  stepsTo90: number[];
  stepsTo100: number[];
}

export function summarise(rows: readonly RunRow[]): BodySummary[] {
  const inits = [...new Set(rows.map((r) => r.init))];
  return inits.map((init) => {
    const mine = rows.filter((r) => r.init === init);
    const accs = mine.map((r) => r.final_acc);
    const mean = accs.reduce((a, b) => a + b, 0) / accs.length;
    const sd = accs.length > 1 ? Math.sqrt(accs.reduce((a, b) => a + (b - mean) ** 2, 0) / (accs.length - 1)) : 0;
    const stepsTo90 = mine.flatMap((r) => (r.steps_to_90 === null ? [] : [r.steps_to_90]));
    const stepsTo100 = mine.flatMap((r) => (r.steps_to_100 === null ? [] : [r.steps_to_100]));
    return { init, seeds: mine.length, meanAcc: mean, sdAcc: sd, reached90: stepsTo90.length, reached100: stepsTo100.length, stepsTo90, stepsTo100 };
  });
}

const pct = (x: number) => `${(x * 100).toFixed(1)}`;

/** The summary as a markdown table: final accuracy mean ± sd, and steps to 90% / 100% (k of n seeds). */
export function summaryTable(rows: readonly RunRow[], bodyLabel: string): string {
  const reached = (steps: number[], n: number) => (steps.length ? `${steps.join(', ')} (${steps.length} of ${n})` : `— (0 of ${n})`);
  return [
    `| body (${bodyLabel}) | seeds | final test acc, mean ± sd | steps to 90% | steps to 100% |`,
    '|---|---:|---:|---|---|',
    ...summarise(rows).map(
      (s) => `| ${s.init} | ${s.seeds} | ${pct(s.meanAcc)} ± ${pct(s.sdAcc)}% | ${reached(s.stepsTo90, s.seeds)} | ${reached(s.stepsTo100, s.seeds)} |`,
    ),
  ].join('\n');
}
