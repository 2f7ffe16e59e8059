/**
 * A training run's settings and their one set of defaults. The Trainer fills what a caller leaves
 * out from DEFAULT_TRAIN_SETTINGS; the CLI's option tables (src/cli/fpt.ts), the sweep runner
 * (src/engine/sweep/run.ts) and the page (src/app/settings.ts, whose own defaults override a few of
 * these for the browser) read their defaults from here, so none of them writes a default twice.
 */
import { FPT_DEFAULT_GROUPS, type GroupName } from '../groups';
import type { RandomInit } from '../init';
import type { TaskName } from '../tasks/task';
import { PAPER_ADAM } from './adam-options';

export interface TrainSettings {
  batchSize: number;
  lr: number;
  seed: number;
  groups: readonly GroupName[];
  dropout: number;
  maxGradNorm: number;
  /** Test accuracy is the mean over this many held-out batches (the reference uses 25). */
  evalBatches: number;
  /** The GPT-2 body on the fused kernels (src/engine/kernels); 'auto' uses them on WebGPU. */
  fused: boolean | 'auto';
  /** How a random GPT-2 body is drawn (init.ts): the paper's N(0, 0.02) everywhere, or HF's scaled c_proj. */
  randomInit: RandomInit;
  /** Examples of the fixed sample evaluateHeldOut uses for generated tasks (which have no test set). */
  heldOutSample: number;
}

export const DEFAULT_TRAIN_SETTINGS: TrainSettings = {
  batchSize: 4,
  lr: PAPER_ADAM.lr,
  seed: 0,
  groups: FPT_DEFAULT_GROUPS,
  dropout: 0.1,
  maxGradNorm: 1,
  evalBatches: 25,
  fused: 'auto',
  randomInit: 'paper',
  heldOutSample: 2000,
};

/** How long a headless run trains and how often it evaluates, unless told otherwise (fpt train and fpt sweep). */
export const DEFAULT_RUN_LENGTH = { steps: 500, evalEvery: 100 } as const;

/** The task a run uses unless told otherwise (the CLI's --task, the page's first visit). */
export const DEFAULT_TASK: TaskName = 'bit-xor';
