/**
 * Kept runs, as plain data: what a run is (name, full settings, curves), its summary (steps, final
 * test accuracy, steps to reach 90% and 100%), differences from a baseline, and the rules for naming
 * runs and for telling whether a link asks for another run. No React, no storage: pure functions.
 */
import { ALL_GROUPS, groupDefinition, type GroupName } from '../../engine/groups';
import type { MetricsPoint, RunSettings } from '../../worker/protocol';
import { findTaskDefinition, taskLabel as taskDisplayName } from '../../engine/tasks/registry';
import { embeddedModel } from '../../weights/embedded-models';

export interface RunRecord {
  id: string;
  /** What the Runs panel and the chart legend show. */
  name: string;
  /** Set once a person renamed the run: from then on the name no longer follows its settings. */
  renamed: boolean;
  /** The run's settings; the learning rate and groups as they were last set during the run. */
  settings: RunSettings;
  /** What "accuracy" means for its task (e.g. "per-bit accuracy"). */
  metric: string;
  points: MetricsPoint[];
  createdAt: number;
  updatedAt: number;
}

export interface RunSummary {
  /** Training steps taken (the last point's step; 0 before the first step). */
  steps: number;
  /** The last held-out evaluation, in [0, 1]; null before any. */
  finalAccuracy: number | null;
  /** The first evaluated step whose test accuracy reached 90% (100%); null if it never did. */
  stepsTo90: number | null;
  stepsTo100: number | null;
}

/** Accuracies are means over held-out batches, so "reached 100%" allows for float rounding only. */
const EPSILON = 1e-9;

/** The first step whose test accuracy is at least `threshold` (in [0, 1]); null if no evaluation got there. */
export function stepsToReach(points: readonly MetricsPoint[], threshold: number): number | null {
  for (const p of points) if (p.testAccuracy !== undefined && p.testAccuracy >= threshold - EPSILON) return p.step;
  return null;
}

export function finalAccuracy(points: readonly MetricsPoint[]): number | null {
  for (let i = points.length - 1; i >= 0; i--) if (points[i].testAccuracy !== undefined) return points[i].testAccuracy!;
  return null;
}

export function summarize(points: readonly MetricsPoint[]): RunSummary {
  return {
    // Points are in step order (a spread of a long curve into Math.max would overflow the stack).
    steps: points.at(-1)?.step ?? 0,
    finalAccuracy: finalAccuracy(points),
    stepsTo90: stepsToReach(points, 0.9),
    stepsTo100: stepsToReach(points, 1),
  };
}

export interface BaselineDelta {
  /** Percentage points, this run minus the baseline; null where either has no evaluation. */
  accuracy: number | null;
  /** Steps, this run minus the baseline (negative: got there sooner); null where either never got there. */
  stepsTo90: number | null;
  stepsTo100: number | null;
}

export function deltaFromBaseline(run: RunSummary, baseline: RunSummary): BaselineDelta {
  const diff = (a: number | null, b: number | null) => (a === null || b === null ? null : a - b);
  const accuracy = diff(run.finalAccuracy, baseline.finalAccuracy);
  return {
    accuracy: accuracy === null ? null : 100 * accuracy,
    stepsTo90: diff(run.stepsTo90, baseline.stepsTo90),
    stepsTo100: diff(run.stepsTo100, baseline.stepsTo100),
  };
}

/** "in+out+pos+ln", "all", or "none". */
export function groupsLabel(groups: readonly GroupName[]): string {
  if (groups.length === 0) return 'none';
  if (groups.length === ALL_GROUPS.length) return 'all';
  return groups.map((g) => groupDefinition(g).short).join('+');
}

/** "tiny · random", "gpt2 · pretrained", "mini-brown · pretrained"; the tiny checkpoint's own weights: "random test model". */
export function backboneLabel(settings: Pick<RunSettings, 'model' | 'init'>): string {
  const known = embeddedModel(settings.model);
  if (known && !known.languagePretrained && settings.init === 'pretrained') return known.short;
  const model = known ? known.dir.replace(/-gpt2$/, '') : settings.model;
  return `${model} · ${settings.init}`;
}

export function taskLabel(settings: Pick<RunSettings, 'task' | 'bits'>): string {
  const label = taskDisplayName(settings.task);
  return findTaskDefinition(settings.task)?.bits ? `${label} ${settings.bits}` : label;
}

/** The automatic name: "Bit XOR 5 · tiny random · in+out+pos+ln · lr 0.003 · seed 0" (batch only when not 16). */
export function autoRunName(settings: RunSettings): string {
  const parts = [
    taskLabel(settings),
    backboneLabel(settings).replace(' · ', ' '),
    groupsLabel(settings.groups),
    `lr ${settings.lr}`,
    ...(settings.batchSize !== 16 ? [`batch ${settings.batchSize}`] : []),
    `seed ${settings.seed}`,
  ];
  return parts.join(' · ');
}

/** `name`, or `name (2)`, `name (3)`… so that no two kept runs read the same. */
export function uniqueName(name: string, taken: Iterable<string>): string {
  const names = new Set(taken);
  if (!names.has(name)) return name;
  for (let n = 2; ; n++) if (!names.has(`${name} (${n})`)) return `${name} (${n})`;
}

/** The settings that define a run: changing any of them starts a new one (the lr and groups do not). */
const RUN_DEFINING: readonly (keyof RunSettings)[] = ['task', 'bits', 'model', 'init', 'batchSize', 'seed', 'backend'];

export function sameRun(a: RunSettings, b: RunSettings): boolean {
  return RUN_DEFINING.every((key) => a[key] === b[key]);
}

/** The URL keys (url-state.ts) that set a run's settings; `speed`, `layer` and `debug` are only views. */
const RUN_URL_KEYS = ['task', 'bits', 'bb', 'g', 'lr', 'seed', 'batch', 'backend'];

/** Whether a query string states any run setting (a bare link, or one with only view keys, does not). */
export function linkStatesRunSettings(search: string): boolean {
  const params = new URLSearchParams(search);
  return RUN_URL_KEYS.some((key) => params.has(key));
}

/**
 * What to do on page load with the run saved last, given the settings the link asked for.
 * - A link that states no run settings restores the saved run with its own settings.
 * - A link whose run-defining settings equal the saved run's restores it too; the link's learning
 *   rate and groups apply (both can change during a run anyway). After the first load the address
 *   always carries every setting (url-sync.ts), so a plain reload lands here.
 * - A link that asks for another run wins: a fresh run with the link's settings starts, and the
 *   saved run stays in the Runs list (nothing is restored silently under different settings).
 */
export function restoreDecision(
  saved: RunSettings,
  fromLink: RunSettings,
  linkStatesSettings: boolean,
): { restore: true; settings: RunSettings } | { restore: false } {
  if (!linkStatesSettings) return { restore: true, settings: saved };
  if (sameRun(saved, fromLink)) return { restore: true, settings: { ...saved, lr: fromLink.lr, groups: fromLink.groups } };
  return { restore: false };
}

/** The curve up to (and including) `step`: what a snapshot taken at `step` continues from. */
export function pointsUpTo(points: readonly MetricsPoint[], step: number): MetricsPoint[] {
  return points.filter((p) => p.step <= step);
}

/**
 * Appends incoming points, merging one that repeats the last point's step (a resumed run evaluates
 * the step it resumes at again) instead of drawing it twice.
 */
export function appendPoints(points: readonly MetricsPoint[], incoming: readonly MetricsPoint[]): MetricsPoint[] {
  const last = points.at(-1);
  if (!last || incoming.length === 0 || incoming[0].step !== last.step) return [...points, ...incoming];
  return [...points.slice(0, -1), { ...last, ...incoming[0] }, ...incoming.slice(1)];
}

/**
 * Whether a run is worth keeping: it took at least one training step. Points are in step order and
 * step 0 is the evaluation before training, so the last point tells (no scan of a long curve).
 */
export function hasTrained(points: readonly MetricsPoint[]): boolean {
  const last = points.at(-1);
  return last !== undefined && (last.step > 0 || last.trainLoss !== undefined);
}
