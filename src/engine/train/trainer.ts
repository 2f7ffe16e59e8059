/**
 * A training run: a task, a model (the FPT on a GPT-2 backbone, or the LSTM baseline under the same
 * adapters), Adam, and fixed held-out test batches. Used by the CLI, the browser worker, the sweep
 * runner and the tests alike.
 */
import { importAdapters, type AdapterFileExpectation } from '../adapter-file';
import type { Gpt2Config } from '../../weights/gpt2-checkpoint';
import { buildBackbone, type BodySpec } from '../backbone';
import { InputError } from '../errors';
import { ALL_GROUPS, type GroupName } from '../groups';
import { initAdapters, RANDOM_INITS } from '../init';
import { LstmModel, PAPER_LSTM } from '../lstm';
import { FptModel, type GroupCount, type HeadSpec, type SequenceModel } from '../model';
import { deriveSeed, Rng } from '../rng';
import type { Batch, Task } from '../tasks/task';
import type { TensorMap } from '../tensors';
import { crossEntropy } from '../ops/layers';
import { tf } from '../tf';
import { FusedAdam } from './fused-adam';
import { PAPER_ADAM } from './adam';
import { checkRange, LIMITS } from './limits';
import { readStepMetrics, type StepMetrics } from './metrics';
import { DEFAULT_TRAIN_SETTINGS, type TrainSettings } from './settings';
import { trainStep } from './step';

export type { TrainSettings };

/** An evaluation and what it was measured on. */
export interface HeldOutEvaluation extends Evaluation {
  /** Examples evaluated (each may carry several labels: Bit Memory 50, Bit XOR 5). */
  examples: number;
  /** The run's step when it was measured. */
  step: number;
  /** 'test split': the task's whole held-out split; 'fixed sample': settings.heldOutSample generated examples, the same for every run. */
  set: 'test split' | 'fixed sample';
}

export interface Evaluation {
  loss: number;
  accuracy: number;
}

export interface TrainerSnapshot {
  step: number;
  params: Record<string, { shape: number[]; data: Float32Array }>;
}

export interface AttentionMap {
  layer: number;
  heads: number;
  seqLen: number;
  /** [heads, T, T] row-major: row = query token, column = key token. */
  probs: Float32Array;
}

export function headSpecOf(task: Task): HeadSpec {
  return {
    input: task.input,
    seqLen: task.seqLen,
    outputTokens: task.outputTokens,
    labelsPerToken: task.labelsPerToken,
    classes: task.classes,
  };
}

/** Batch arrays as tensors: x [B, T, dIn] float or [B, T] int32, labels [B * labels] int32. */
export function batchTensors(task: Task, batch: Batch): { x: tf.Tensor; y: tf.Tensor1D } {
  const { seqLen, input } = task;
  const B = batch.batchSize;
  const x = input.kind === 'vector' ? tf.tensor3d(batch.x as Float32Array, [B, seqLen, input.dim]) : tf.tensor2d(batch.x as Int32Array, [B, seqLen], 'int32');
  return { x, y: tf.tensor1d(batch.y, 'int32') };
}

const SOURCE = 'Trainer setting';

/**
 * The settings a Trainer accepts, checked against LIMITS (limits.ts, the ranges the CLI and the sweep
 * cell files use too): callers that construct a Trainer directly (the CLI, scripts, tests) get an
 * InputError naming the setting instead of a run that fails later or trains on NaN.
 */
export function checkTrainSettings(s: TrainSettings): TrainSettings {
  checkRange(`${SOURCE} batchSize`, s.batchSize, LIMITS.batchSize);
  checkRange(`${SOURCE} lr`, s.lr, LIMITS.lr);
  checkRange(`${SOURCE} seed`, s.seed, LIMITS.seed);
  checkRange(`${SOURCE} dropout`, s.dropout, LIMITS.dropout);
  checkRange(`${SOURCE} maxGradNorm`, s.maxGradNorm, LIMITS.maxGradNorm);
  checkRange(`${SOURCE} evalBatches`, s.evalBatches, LIMITS.evalBatches);
  checkRange(`${SOURCE} heldOutSample`, s.heldOutSample, LIMITS.heldOutSample);
  if (!Array.isArray(s.groups)) throw new InputError(`${SOURCE} groups`, `must be a list of parameter groups (known: ${ALL_GROUPS.join(', ')})`);
  const unknown = (s.groups as readonly unknown[]).filter((g) => !ALL_GROUPS.includes(g as GroupName));
  if (unknown.length)
    throw new InputError(`${SOURCE} groups`, `unknown parameter group ${unknown.map((g) => JSON.stringify(g)).join(', ')} (known: ${ALL_GROUPS.join(', ')})`);
  if (s.fused !== true && s.fused !== false && s.fused !== 'auto')
    throw new InputError(`${SOURCE} fused`, `must be true, false or "auto", not ${String(s.fused)}`);
  if (!RANDOM_INITS.includes(s.randomInit)) throw new InputError(`${SOURCE} randomInit`, `must be ${RANDOM_INITS.join(' or ')}, not ${String(s.randomInit)}`);
  return s;
}

export class Trainer {
  readonly model: SequenceModel;
  readonly adam: FusedAdam;
  readonly settings: TrainSettings;
  private readonly trainRng: Rng;
  private readonly testBatches: Batch[];
  private steps = 0;
  /** Every parameter trainable at some point of this run (or restored from a snapshot): what snapshot() saves. */
  private readonly everTrainable = new Set<string>();

  constructor(
    readonly task: Task,
    config: Gpt2Config,
    body: BodySpec,
    settings: Partial<TrainSettings> = {},
    pretrained?: TensorMap,
  ) {
    this.settings = checkTrainSettings({ ...DEFAULT_TRAIN_SETTINGS, ...settings });
    const { seed } = this.settings;
    const head = headSpecOf(task);
    if (typeof body === 'string') {
      const backbone = buildBackbone(body, config, seed, pretrained, this.settings.randomInit);
      const adapters = initAdapters(task.input, config.nEmbd, task.labelsPerToken * task.classes, new Rng(deriveSeed(seed, 'adapters')));
      this.model = new FptModel(config, head, backbone, adapters, this.settings.dropout, this.settings.groups, { fused: this.settings.fused });
    } else {
      const lstm = { ...PAPER_LSTM, width: body.width ?? PAPER_LSTM.width, layers: body.layers ?? PAPER_LSTM.layers };
      this.model = LstmModel.create(
        lstm,
        head,
        new Rng(deriveSeed(seed, 'backbone-lstm')),
        new Rng(deriveSeed(seed, 'adapters')),
        this.settings.dropout,
        this.settings.groups,
      );
    }
    this.adam = new FusedAdam({ ...PAPER_ADAM, lr: this.settings.lr });
    this.trainRng = new Rng(deriveSeed(seed, 'train-batches'));
    const testRng = new Rng(deriveSeed(seed, 'test-batches'));
    this.testBatches = Array.from({ length: this.settings.evalBatches }, () => task.batch(this.settings.batchSize, 'test', testRng));
    this.recordTrainable();
  }

  private recordTrainable(): void {
    for (const name of this.model.trainableNames()) this.everTrainable.add(name);
  }

  get stepCount(): number {
    return this.steps;
  }

  /** Counts a step taken by another path on this run's model and optimizer (the cached-features head). */
  recordStep(): void {
    this.steps++;
  }

  setGroups(groups: readonly GroupName[]): void {
    this.model.setTrainableGroups(groups);
    this.recordTrainable();
  }

  setLearningRate(lr: number): void {
    checkRange(`${SOURCE} lr`, lr, LIMITS.lr);
    this.adam.options = { ...this.adam.options, lr };
  }

  counts(): GroupCount[] {
    return this.model.countParams();
  }

  /** The fixed held-out batches evaluate() averages over. */
  get testSet(): readonly Batch[] {
    return this.testBatches;
  }

  /** One optimisation step on a fresh training batch; resolves to its loss and gradient norm. */
  async step(): Promise<StepMetrics> {
    const batch = this.task.batch(this.settings.batchSize, 'train', this.trainRng);
    const { x, y } = batchTensors(this.task, batch);
    const { loss, gradNorm } = trainStep(this.model, this.adam, x, y, {
      dropoutSeed: deriveSeed(this.settings.seed, `dropout-${this.steps}`),
      maxGradNorm: this.settings.maxGradNorm,
    });
    this.steps++;
    const metrics = await readStepMetrics(loss, gradNorm);
    tf.dispose([x, y]);
    return metrics;
  }

  /** Mean loss and per-label accuracy over the fixed held-out batches, dropout off. */
  async evaluate(): Promise<Evaluation> {
    let lossSum = 0;
    let correct = 0;
    let total = 0;
    for (const batch of this.testBatches) {
      const { x, y } = batchTensors(this.task, batch);
      const [loss, hits] = tf.tidy(() => {
        const { logits } = this.model.forward(x, { training: false });
        const l = crossEntropy(logits, y);
        return [l, tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), y), 'int32'))];
      });
      lossSum += (await loss.data())[0];
      correct += (await hits.data())[0];
      total += batch.y.length;
      tf.dispose([x, y, loss, hits]);
    }
    return { loss: lossSum / this.testBatches.length, accuracy: correct / total };
  }

  /**
   * The paper's evaluation: the whole held-out split where the task has one (MNIST's 2,000 test
   * digits, CIFAR-10's 10,000 test images), else a fixed sample of settings.heldOutSample (2,000) examples drawn
   * from one stream that does not depend on the run's seed (so every run is measured on the same
   * examples). Dropout off; batches of `batchSize` (default: about 16k tokens a batch, at least the
   * run's batch and at most 256 examples).
   */
  async evaluateHeldOut(batchSize = Math.min(256, Math.max(this.settings.batchSize, Math.floor(16384 / this.task.seqLen)))): Promise<HeldOutEvaluation> {
    const held = this.task.heldOut;
    const count = held ? held.count : this.settings.heldOutSample;
    const sample = new Rng(deriveSeed(0, 'held-out-sample'));
    let lossSum = 0;
    let correct = 0;
    let labels = 0;
    for (let start = 0; start < count; start += batchSize) {
      const size = Math.min(batchSize, count - start);
      const batch = held ? held.batch(start, size) : this.task.batch(size, 'test', sample);
      const { x, y } = batchTensors(this.task, batch);
      const [loss, hits] = tf.tidy(() => {
        const { logits } = this.model.forward(x, { training: false });
        return [tf.mul(crossEntropy(logits, y), y.shape[0]), tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), y), 'int32'))];
      });
      lossSum += (await loss.data())[0];
      correct += (await hits.data())[0];
      labels += batch.y.length;
      tf.dispose([x, y, loss, hits]);
    }
    return { loss: lossSum / labels, accuracy: correct / labels, examples: count, step: this.steps, set: held ? 'test split' : 'fixed sample' };
  }

  /** Attention probabilities of one layer for the first example of a held-out batch. */
  async attention(layer = 0, example: Batch = this.testBatches[0]): Promise<AttentionMap> {
    return (await this.views(layer, example, 0)).attention;
  }

  /**
   * What the page shows of one batch, from one forward pass and one read-back: the attention
   * probabilities of `layer` and the predicted class of every label of example `index` (dropout off).
   * On SwiftShader a forward costs about a third of a training step, so the screen asks once.
   */
  async views(layer: number, batch: Batch, index: number): Promise<{ attention: AttentionMap; predicted: number[] }> {
    const model = this.model;
    if (model.attentionHeads === 0) throw new Error('attention maps exist only for the GPT-2 backbone, not the LSTM baseline');
    const { x, y } = batchTensors(this.task, batch);
    const [probs, classes] = tf.tidy(() => {
      const out = model.forward(x, { training: false, attentionLayer: layer });
      return [out.attention!, tf.argMax(out.logits, 1)];
    });
    const [data, all] = await Promise.all([probs.data() as Promise<Float32Array>, classes.data()]);
    tf.dispose([x, y, probs, classes]);
    const perExample = this.task.outputTokens * this.task.labelsPerToken;
    return {
      attention: { layer, heads: model.attentionHeads, seqLen: this.task.seqLen, probs: data },
      predicted: Array.from(all.subarray(index * perExample, (index + 1) * perExample)),
    };
  }

  /** The first held-out batch: what previews and attention maps show. */
  get previewBatch(): Batch {
    return this.testBatches[0];
  }

  /** Predicted class of every label of one example of a batch (dropout off). */
  async predict(batch: Batch, index: number): Promise<number[]> {
    const { x, y } = batchTensors(this.task, batch);
    const perExample = this.task.outputTokens * this.task.labelsPerToken;
    const classes = tf.tidy(() => tf.argMax(this.model.forward(x, { training: false }).logits, 1));
    const all = await classes.data();
    tf.dispose([x, y, classes]);
    return Array.from(all.subarray(index * perExample, (index + 1) * perExample));
  }

  /**
   * Values of every parameter trainable at some point of this run (plus the step count), enough to
   * resume on a new device: not only the groups trainable now, since a group trained, then frozen,
   * keeps values that differ from its start.
   */
  async snapshot(): Promise<TrainerSnapshot> {
    const params: TrainerSnapshot['params'] = {};
    for (const name of this.everTrainable) {
      const v = this.model.params.get(name);
      if (v) params[name] = { shape: v.shape, data: (await v.data()) as Float32Array };
    }
    return { step: this.steps, params };
  }

  /**
   * Assigns an adapter file's tensors (adapter-file.ts checks everything first and changes nothing
   * when it refuses). They are this run's values from now on: later snapshots carry them, also those
   * of groups that are frozen, so a reload or a restart after a lost device keeps them.
   */
  importAdapters(bytes: Uint8Array | ArrayBuffer, expected: AdapterFileExpectation, source?: string): string[] {
    const names = importAdapters(this.model, bytes, expected, source);
    for (const name of names) this.everTrainable.add(name);
    return names;
  }

  /** Puts snapshot values back (shapes must match); optimizer moments start afresh. */
  restore(snapshot: TrainerSnapshot): void {
    const shapes = this.model.parameterShapes();
    for (const [name, t] of Object.entries(snapshot.params)) {
      if (shapes.get(name)?.join() !== t.shape.join()) throw new Error(`snapshot parameter ${name} does not fit this model`);
    }
    for (const [name, t] of Object.entries(snapshot.params)) tf.tidy(() => this.model.assignParameter(name, tf.tensor(t.data, t.shape)));
    // Values trained earlier in the run (perhaps in groups frozen now) go into later snapshots too.
    for (const name of Object.keys(snapshot.params)) this.everTrainable.add(name);
    this.steps = snapshot.step;
  }

  dispose(): void {
    this.model.dispose();
    this.adam.dispose();
  }
}
