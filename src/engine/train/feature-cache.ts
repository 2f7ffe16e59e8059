/**
 * Output-only training on cached features (the paper's Section 3.9, a linear probe): when only the
 * output head trains, the body (input adapter + frozen GPT-2 or LSTM + final norm) is a fixed
 * function of the example, so it runs once per example and the head trains on the cached last-token
 * features.
 *
 * Epochs: an epoch is one pass over a fixed dataset of N training examples drawn once (seeded by the
 * run's seed, stream 'epoch-dataset'), in a seeded shuffled order, in minibatches of the run's batch
 * size (the last one may be smaller). The paper (§3.9) "evaluates on every example in the training
 * set once": for the dataset tasks (MNIST, CIFAR-10) the N examples are distinct (drawn without
 * replacement, the task's shuffled epoch order), and N = 'all' (`fpt train --dataset all`) is every
 * training example exactly once, as the paper. The generated tasks have unlimited data, so their N is
 * a sample.
 *
 * Differences from the uncached path, both deliberate: the cache is computed with dropout off (the
 * body runs once, so there is no fresh mask per step; the head itself has no dropout), and the
 * training set is the fixed N examples instead of fresh batches. With dropout 0 the head gradients of
 * both paths are the same (feature-cache.test.ts checks it).
 */
import { deriveSeed, Rng } from '../rng';
import type { Batch, Task } from '../tasks/task';
import type { SequenceModel } from '../model';
import { crossEntropy } from '../ops/layers';
import { tf } from '../tf';
import { FusedAdam } from './fused-adam';
import { readStepMetrics, type StepMetrics } from './metrics';
import { PAPER_ADAM } from './adam';
import { trainableGradients } from './step';
import { batchTensors, type Trainer } from './trainer';

const HEAD_PARAMS = ['out.weight', 'out.bias'];

/**
 * N training examples drawn once: the fixed dataset that defines an epoch. Dataset tasks give N
 * distinct examples (at most their training split); 'all' is the whole training split.
 */
export function drawDataset(task: Task, examples: number | 'all', seed: number): Batch {
  const n = examples === 'all' ? task.trainExamples : task.trainExamples === undefined ? examples : Math.min(examples, task.trainExamples);
  if (n === undefined) throw new Error(`${task.name} generates its data and has no fixed training split: give a number of examples, not 'all'`);
  return task.batch(n, 'train', new Rng(deriveSeed(seed, 'epoch-dataset')));
}

/** The examples `indices` of a dataset as a batch. */
export function sliceBatch(data: Batch, indices: readonly number[]): Batch {
  const xPer = data.x.length / data.batchSize;
  const yPer = data.y.length / data.batchSize;
  const x = data.x instanceof Int32Array ? new Int32Array(indices.length * xPer) : new Float32Array(indices.length * xPer);
  const y = new Int32Array(indices.length * yPer);
  indices.forEach((e, j) => {
    x.set(data.x.subarray(e * xPer, (e + 1) * xPer), j * xPer);
    y.set(data.y.subarray(e * yPer, (e + 1) * yPer), j * yPer);
  });
  return { x, y, batchSize: indices.length };
}

export interface FeatureCache {
  /** [N, outputTokens, width]: the body's final-norm features of each example's last tokens. */
  features: tf.Tensor3D;
  /** [N, outputTokens * labelsPerToken] class ids. */
  labels: tf.Tensor2D;
  examples: number;
  /** Wall time of the one pass through the body. */
  buildSeconds: number;
}

/** Runs the body once over the dataset (dropout off), in chunks of `chunk` examples. */
export async function buildFeatureCache(model: SequenceModel, task: Task, data: Batch, chunk: number): Promise<FeatureCache> {
  const started = performance.now();
  const k = task.outputTokens;
  const parts: tf.Tensor3D[] = [];
  for (let start = 0; start < data.batchSize; start += chunk) {
    const idx = Array.from({ length: Math.min(chunk, data.batchSize - start) }, (_, i) => start + i);
    const { x, y } = batchTensors(task, sliceBatch(data, idx));
    const f = tf.tidy(() => tf.reshape(model.features(x, { training: false }), [idx.length, k, model.width]) as tf.Tensor3D);
    await f.data(); // finish the work before timing moves on
    parts.push(f);
    tf.dispose([x, y]);
  }
  const features = parts.length === 1 ? parts[0] : (tf.concat(parts, 0) as tf.Tensor3D);
  if (parts.length > 1) tf.dispose(parts);
  const labels = tf.tensor2d(data.y, [data.batchSize, data.y.length / data.batchSize], 'int32');
  await features.data();
  return { features, labels, examples: data.batchSize, buildSeconds: (performance.now() - started) / 1000 };
}

/** Loss and gradients of the output head on cached features [N, width] with labels [N * labelsPerToken]. */
export function headGradients(model: SequenceModel, features: tf.Tensor2D, labels: tf.Tensor1D): { loss: tf.Scalar; grads: Map<string, tf.Tensor> } {
  const varList = HEAD_PARAMS.map((n) => model.params.get(n)!);
  const { value, grads } = tf.variableGrads(() => crossEntropy(model.headLogits(features), labels), varList);
  return { loss: value, grads: new Map(Object.entries(grads).map(([v, g]) => [model.paramNameOf.get(v)!, g])) };
}

/** A seeded permutation of 0..n-1 (Fisher-Yates). */
function permutation(n: number, rng: Rng): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

/**
 * Trains the output head of a Trainer's model on cached features, using the Trainer's Adam, clipping
 * and batch size. Evaluation stays the Trainer's (its held-out batches, full forward, dropout off).
 */
export class CachedHeadTrainer {
  readonly data: Batch;
  private cache: FeatureCache | null = null;
  private order: number[] = [];
  private cursor = 0;
  private readonly shuffleRng: Rng;
  private steps = 0;
  epochs = 0;
  /** Wall seconds spent in cached head steps (cache building excluded). */
  trainSeconds = 0;

  /** Examples in the cached dataset (every training example for dataset: 'all'). */
  readonly datasetSize: number;

  constructor(
    readonly trainer: Trainer,
    dataset: number | 'all',
  ) {
    const groups = trainer.model.groups;
    if (groups.length !== 1 || groups[0] !== 'output') {
      throw new Error(`feature caching needs the output group alone to train (trainable now: ${groups.join(', ') || 'none'})`);
    }
    this.data = drawDataset(trainer.task, dataset, trainer.settings.seed);
    this.datasetSize = this.data.batchSize;
    this.shuffleRng = new Rng(deriveSeed(trainer.settings.seed, 'epoch-order'));
  }

  get stepsPerEpoch(): number {
    return Math.ceil(this.datasetSize / this.trainer.settings.batchSize);
  }

  get stepCount(): number {
    return this.steps;
  }

  /** Cached head training so far, scaled to one epoch; null before the first step. */
  get secondsPerEpoch(): number | null {
    return this.steps === 0 ? null : (this.trainSeconds / this.steps) * this.stepsPerEpoch;
  }

  async build(): Promise<FeatureCache> {
    this.cache ??= await buildFeatureCache(this.trainer.model, this.trainer.task, this.data, Math.max(this.trainer.settings.batchSize, 64));
    return this.cache;
  }

  /** One head step on the next minibatch of the current epoch's order; resolves to its loss and gradient norm. */
  async step(): Promise<StepMetrics> {
    const cache = await this.build();
    const started = performance.now();
    if (this.cursor >= this.order.length) {
      this.order = permutation(this.datasetSize, this.shuffleRng);
      this.cursor = 0;
    }
    const idx = this.order.slice(this.cursor, this.cursor + this.trainer.settings.batchSize);
    this.cursor += idx.length;
    const { model, adam, settings } = this.trainer;
    const [loss, gradNorm] = tf.tidy(() => {
      const indices = tf.tensor1d(idx, 'int32');
      const f = tf.reshape(tf.gather(cache.features, indices), [-1, model.width]) as tf.Tensor2D;
      const y = tf.reshape(tf.gather(cache.labels, indices), [-1]) as tf.Tensor1D;
      const { loss, grads } = headGradients(model, f, y);
      return [loss, adam.step(model.params, grads, settings.maxGradNorm)];
    });
    const metrics = await readStepMetrics(loss, gradNorm);
    this.steps++;
    this.trainer.recordStep();
    if (this.cursor >= this.order.length) this.epochs++;
    this.trainSeconds += (performance.now() - started) / 1000;
    return metrics;
  }

  dispose(): void {
    if (this.cache) tf.dispose([this.cache.features, this.cache.labels]);
    this.cache = null;
  }
}

/**
 * Seconds per epoch of the uncached output-only path on the same dataset and batch size, measured
 * over `steps` real steps (full forward through the body in training mode, head gradients, clipping,
 * Adam) and scaled to a whole epoch. The head's values are put back afterwards and a throwaway Adam
 * is used, so the measurement leaves the run untouched.
 */
export async function measureUncachedEpoch(
  trainer: Trainer,
  data: Batch,
  steps: number,
): Promise<{ secondsPerEpoch: number; secondsPerStep: number; steps: number }> {
  const { model, task, settings } = trainer;
  const saved = HEAD_PARAMS.map((n) => tf.clone(model.params.get(n)!));
  const adam = new FusedAdam({ ...PAPER_ADAM, lr: settings.lr });
  const stepsPerEpoch = Math.ceil(data.batchSize / settings.batchSize);
  const n = Math.max(1, Math.min(steps, stepsPerEpoch));
  // One untimed step first: TF.js compiles and allocates on first use.
  let elapsed = 0;
  for (let s = 0; s <= n; s++) {
    const start = (s * settings.batchSize) % data.batchSize;
    const idx = Array.from({ length: Math.min(settings.batchSize, data.batchSize - start) }, (_, i) => start + i);
    const { x, y } = batchTensors(task, sliceBatch(data, idx));
    const t0 = performance.now();
    const loss = tf.tidy(() => {
      const { loss, grads } = trainableGradients(model, x, y, deriveSeed(settings.seed, `uncached-${s}`));
      adam.step(model.params, grads, settings.maxGradNorm);
      return loss;
    });
    await loss.data();
    if (s > 0) elapsed += (performance.now() - t0) / 1000;
    tf.dispose([x, y, loss]);
  }
  HEAD_PARAMS.forEach((name, i) => model.params.get(name)!.assign(saved[i]));
  tf.dispose(saved);
  adam.dispose();
  return { secondsPerEpoch: (elapsed / n) * stepsPerEpoch, secondsPerStep: elapsed / n, steps: n };
}
