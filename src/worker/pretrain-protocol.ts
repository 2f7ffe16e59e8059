/**
 * The Pretrain panel's own worker protocol (pretrain-worker.ts): small and separate from the
 * training worker's (protocol.ts), so language pretraining runs beside an FPT run, not inside it.
 */
import type { BackendName } from '../engine/backend';
import type { PretrainSettings as LmTrainSettings } from '../engine/lm/pretrain';

/** The backbone id of the model the panel stores (local-models.ts); the backbone picker offers it (src/app/settings.ts). */
export const LOCAL_MODEL_ID = 'pretrained-here';

export type PretrainBackend = Extract<BackendName, 'wasm' | 'webgpu' | 'cpu'>;

/** The engine's run settings (context, batch, steps, lr, warmup, seed, evalWindows; clipping at 1), plus the panel's. */
export interface PretrainSettings extends Omit<LmTrainSettings, 'maxGradNorm'> {
  /** The built-in Brown slice, or a text the user gave (its name and UTF-8 bytes; last tenth held out). */
  corpus: { kind: 'brown' } | { kind: 'file'; name: string; bytes: ArrayBuffer };
  layers: number;
  width: number;
  heads: number;
  /** Steps between held-out evaluations (and samples). */
  evalEvery: number;
  /** Continued greedily at every evaluation. */
  prompt: string;
  /** Bytes of continuation per sample. */
  sampleBytes: number;
  backend: PretrainBackend;
}

export type ToPretrainWorker =
  | { type: 'start'; settings: PretrainSettings }
  | { type: 'pause' }
  | { type: 'resume' }
  /** Store the model as it is now as the `pretrained-here` backbone (local-models.ts). */
  | { type: 'save' };

export interface PretrainEvaluation {
  step: number;
  /** Mean train loss since the previous evaluation, bits per byte; null at step 0. */
  trainBits: number | null;
  heldOutBits: number;
  sample: string;
}

export type FromPretrainWorker =
  | { type: 'status'; message: string }
  | {
      type: 'ready';
      backend: string;
      params: number;
      trainBytes: number;
      heldOutBytes: number;
      /** Entropy of the held-out text's own byte frequencies: a model that ignores context does no better. */
      unigramBits: number;
    }
  | { type: 'evaluation'; point: PretrainEvaluation; msPerStep: number | null }
  | { type: 'running'; running: boolean; step: number }
  | { type: 'saved'; modelId: string; step: number; heldOutBits: number | null }
  | { type: 'error'; message: string };
