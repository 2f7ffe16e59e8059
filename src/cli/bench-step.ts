/**
 * The train-step benchmark behind `npm run bench`: an FPT step (frozen GPT-2-shaped blocks with random
 * weights; trainable input layer, positions, layer norms, output head; clipping and Adam) on the
 * current TF.js backend, for the composite TF.js ops and for the fused kernels, at the shapes of
 * the GPU kit's torch_reference.py (README, "On a GPU") (16-dim input, 10 classes read from the last token) so both
 * figures can come from one run on one GPU.
 */
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { GPT2_PRESETS, gpt2TensorShapes, type Gpt2Config } from '../weights/gpt2-checkpoint';
import { FPT_DEFAULT_GROUPS } from '../engine/groups';
import { randomBackbone } from '../engine/init';
import { initAdapters } from '../engine/init';
import { countDispatches, dryRunDispatches } from '../engine/testing/dispatch-counter';
import { FusedAdam } from '../engine/train/fused-adam';
import { FptModel } from '../engine/model';
import { Rng } from '../engine/rng';
import { tf } from '../engine/tf';
import { Adam, PAPER_ADAM } from '../engine/train/adam';
import { clipByGlobalNorm } from '../engine/train/clip';
import { trainableGradients } from '../engine/train/step';

export type Engine = 'composite' | 'fused';

export interface StepCase {
  name: string;
  config: Gpt2Config;
  batch: number;
  seqLen: number;
}

const TINY: Gpt2Config = { ...GPT2_PRESETS.gpt2, nLayer: 2, nEmbd: 64, nHead: 4 };

export const STEP_CASES: StepCase[] = [
  { name: 'gpt2-small B=8 T=64', config: GPT2_PRESETS.gpt2, batch: 8, seqLen: 64 },
  { name: 'gpt2-small B=16 T=10', config: GPT2_PRESETS.gpt2, batch: 16, seqLen: 10 },
  { name: 'tiny (2x64) B=8 T=64', config: TINY, batch: 8, seqLen: 64 },
];

const INPUT_DIM = 16;
const CLASSES = 10;

export interface StepFigures {
  case: string;
  engine: Engine;
  backend: string;
  train_step_ms_median?: number;
  train_step_ms?: number[];
  forward_ms_median?: number;
  dispatches_per_step: number;
  /** GPU bytes of the frozen block weights (packed fp16 where the fused engine stores them so). */
  frozen_weight_bytes: number;
  /** Peak bytes of TF.js tensors during one train step, weights included (tf.profile). */
  peak_step_bytes?: number;
  trainable_params: number;
}

/** A model, its optimizer and one fixed batch, ready to step. */
export class StepRig {
  readonly model: FptModel;
  private readonly fusedAdam = new FusedAdam({ ...PAPER_ADAM });
  private readonly adam = new Adam({ ...PAPER_ADAM });
  private readonly x: tf.Tensor3D;
  private readonly y: tf.Tensor1D;
  private stepIndex = 0;

  /**
   * `optimizer`: the Trainer's FusedAdam (one WGSL update on WebGPU, one host loop on wasm) or
   * clip.ts + Adam.apply as composite TF.js ops; by default the one that goes with the engine.
   */
  constructor(
    readonly c: StepCase,
    readonly engine: Engine,
    dropout = 0.1,
    readonly optimizer: Engine = engine,
  ) {
    const config = { ...c.config, nPositions: Math.max(c.config.nPositions, c.seqLen) };
    const rng = new Rng(1);
    const backbone = randomBackbone(gpt2TensorShapes(config), config.nLayer, rng);
    const head = { input: { kind: 'vector' as const, dim: INPUT_DIM }, seqLen: c.seqLen, outputTokens: 1, labelsPerToken: 1, classes: CLASSES };
    const adapters = initAdapters(head.input, config.nEmbd, CLASSES, rng);
    this.model = new FptModel(
      config,
      head,
      backbone,
      adapters,
      dropout,
      FPT_DEFAULT_GROUPS,
      engine === 'fused' ? { fused: true, frozenWeights: 'fp16' } : { fused: false },
    );
    this.x = tf.tensor3d(
      Float32Array.from({ length: c.batch * c.seqLen * INPUT_DIM }, () => rng.next()),
      [c.batch, c.seqLen, INPUT_DIM],
    );
    this.y = tf.tensor1d(
      Int32Array.from({ length: c.batch }, (_, i) => i % CLASSES),
      'int32',
    );
  }

  /** One clipped Adam step; resolves when the loss has been read back (the GPU finished). */
  async step(): Promise<number> {
    const loss = tf.tidy(() => {
      const { loss, grads } = trainableGradients(this.model, this.x, this.y, this.stepIndex++);
      if (this.optimizer === 'fused') this.fusedAdam.step(this.model.params, grads, 1);
      else this.adam.apply(this.model.params, clipByGlobalNorm(grads, 1).clipped);
      return loss;
    });
    const value = (await loss.data())[0];
    loss.dispose();
    return value;
  }

  async forward(): Promise<void> {
    const logits = tf.tidy(() => this.model.forward(this.x, { training: false }).logits);
    await logits.data();
    logits.dispose();
  }

  frozenWeightBytes(): number {
    let bytes = this.model.packedBytes;
    for (const [name, v] of this.model.params) if (!this.model.isTrainable(name) && /^h\.\d+\.(attn|mlp)\./.test(name)) bytes += 4 * v.size;
    return bytes;
  }

  /** What any run reports: the case, the engine, counts and bytes. */
  figures(dispatches: number, peakBytes: number): StepFigures {
    return {
      case: this.c.name,
      engine: this.engine,
      backend: tf.getBackend(),
      dispatches_per_step: dispatches,
      frozen_weight_bytes: this.frozenWeightBytes(),
      peak_step_bytes: peakBytes,
      trainable_params: this.trainableParams(),
    };
  }

  trainableParams(): number {
    return this.model.trainableNames().reduce((n, name) => n + this.model.params.get(name)!.size, 0);
  }

  dispose(): void {
    this.model.dispose();
    this.fusedAdam.dispose();
    this.adam.dispose();
    this.x.dispose();
    this.y.dispose();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/**
 * Dispatches of one train step, with the GPU work itself skipped (dispatches are recorded but not
 * issued), so a software adapter counts a GPT-2-small step in seconds. The count does not depend on
 * the values: the same kernels run whatever the numbers.
 */
export async function countStepDispatches(c: StepCase, engine: Engine): Promise<StepFigures> {
  const rig = new StepRig(c, engine);
  try {
    await dryRunDispatches(() => rig.step()); // first step builds pipelines and optimizer state
    const { dispatches } = await dryRunDispatches(() => rig.step());
    // TF.js accounts tensor bytes as it allocates them, whether or not the GPU ran the kernels.
    const { result: profile } = await dryRunDispatches(() => tf.profile(() => rig.step()));
    return rig.figures(dispatches, profile.peakBytes);
  } finally {
    rig.dispose();
  }
}

/** Median train-step and forward times after warm-up, dispatches per step, memory. */
export async function benchStep(c: StepCase, engine: Engine, steps: number, warmup: number): Promise<StepFigures> {
  const rig = new StepRig(c, engine);
  try {
    for (let i = 0; i < warmup; i++) await rig.step();
    const times: number[] = [];
    for (let i = 0; i < steps; i++) times.push(await timed(() => rig.step()));
    await rig.forward();
    const forward: number[] = [];
    for (let i = 0; i < Math.max(3, Math.ceil(steps / 2)); i++) forward.push(await timed(() => rig.forward()));
    const { dispatches } = await countDispatches(() => rig.step());
    const profile = await tf.profile(() => rig.step());
    return {
      ...rig.figures(dispatches, profile.peakBytes),
      train_step_ms_median: round(median(times)),
      train_step_ms: times.map(round),
      forward_ms_median: round(median(forward)),
    };
  } finally {
    rig.dispose();
  }
}

const round = (ms: number) => Math.round(ms * 100) / 100;

export function machine(): Record<string, unknown> {
  return { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version, platform: `${process.platform}-${process.arch}` };
}
