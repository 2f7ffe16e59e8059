/**
 * Language pretraining with the engine's own pieces: CausalLm (every group trainable), the
 * Trainer's training step (train/step.ts: global-norm clipping and Adam fused by FusedAdam, one host
 * loop on wasm, two kernels on WebGPU, the composite ops elsewhere), batches of random byte windows
 * (corpus.ts). The learning rate warms up linearly for `warmup` steps, then follows a cosine from `lr`
 * down to lr/10 at `steps`.
 */
import type { Gpt2Config } from '../../weights/gpt2-config';
import { tf } from '../tf';
import { PAPER_ADAM } from '../train/adam';
import { FusedAdam } from '../train/fused-adam';
import { trainStep } from '../train/step';
import type { TensorMap } from '../tensors';
import { heldOutWindows, sampleWindows, type Corpus } from './corpus';
import { CausalLm } from './language-model';

export interface PretrainSettings {
  context: number;
  batch: number;
  steps: number;
  lr: number;
  warmup: number;
  seed: number;
  maxGradNorm: number;
  /** Held-out windows per evaluation. */
  evalWindows: number;
}

export function learningRate(s: Pick<PretrainSettings, 'lr' | 'warmup' | 'steps'>, step: number): number {
  if (step < s.warmup) return (s.lr * (step + 1)) / s.warmup;
  const progress = Math.min(1, (step - s.warmup) / Math.max(1, s.steps - s.warmup));
  return s.lr * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * progress)));
}

export const nats2bits = (nats: number) => nats / Math.LN2;

export class LmTrainer {
  readonly model: CausalLm;
  readonly adam: FusedAdam;
  private readonly heldOut: ReturnType<typeof heldOutWindows>;

  constructor(
    config: Gpt2Config,
    tensors: TensorMap,
    readonly corpus: Corpus,
    readonly settings: PretrainSettings,
  ) {
    this.model = new CausalLm(config, tensors, settings.context);
    this.adam = new FusedAdam({ ...PAPER_ADAM, lr: settings.lr });
    this.heldOut = heldOutWindows(corpus.heldOut, settings.evalWindows, settings.batch, settings.context);
  }

  /** One step (0-based index `step`): mean next-byte loss of the batch, in nats. */
  async step(step: number): Promise<number> {
    const { context, batch, seed, maxGradNorm } = this.settings;
    const { x, labels } = sampleWindows(this.corpus.train, batch, context, seed, step);
    this.adam.options = { ...this.adam.options, lr: learningRate(this.settings, step) };
    const xs = tf.tensor2d(x, [batch, context], 'int32');
    const ys = tf.tensor1d(labels, 'int32');
    const { loss, gradNorm } = trainStep(this.model, this.adam, xs, ys, { dropoutSeed: step, maxGradNorm });
    const value = (await loss.data())[0];
    tf.dispose([xs, ys, loss, gradNorm]);
    return value;
  }

  /** Mean next-byte loss over the fixed held-out windows, in nats. */
  async heldOutLoss(): Promise<number> {
    let sum = 0;
    let rows = 0;
    for (const w of this.heldOut) {
      const loss = tf.tidy(() =>
        this.model.loss(tf.tensor2d(w.x, [w.rows, this.settings.context], 'int32'), tf.tensor1d(w.labels, 'int32'), { training: false }),
      );
      sum += (await loss.data())[0] * w.rows;
      rows += w.rows;
      loss.dispose();
    }
    return sum / rows;
  }

  dispose(): void {
    this.model.dispose();
    this.adam.dispose();
  }
}
