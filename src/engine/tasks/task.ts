/**
 * The contract every task meets: a seeded source of fixed-shape batches in the paper-faithful layout
 * of docs/fpt-spec.md. Tasks are pure data (typed arrays); the model turns them into tensors.
 */
/** The tasks this project ships (registry.ts). */
export type BuiltInTaskName = 'bit-xor' | 'bit-memory' | 'listops' | 'mnist' | 'cifar10' | 'cifar10-lra';

/** A registered task's id: a built-in one or any other registered with registerTask (registry.ts). */
export type TaskName = string;

export type Split = 'train' | 'test';

/** How the input layer reads a token: a d_in-wide vector (Linear) or an integer id (Embedding). */
export type InputKind = { kind: 'vector'; dim: number } | { kind: 'tokens'; vocabSize: number };

export interface Batch {
  /** Vector tasks: Float32Array [B, T, dIn] row-major. Token tasks: Int32Array [B, T]. */
  x: Float32Array | Int32Array;
  /**
   * Class ids, [B, outputTokens * labelsPerToken] row-major (so [B] for plain classification).
   * Label j of output token t sits at index t * labelsPerToken + j; its logits are
   * head[t][j * classes .. (j + 1) * classes).
   */
  y: Int32Array;
  batchSize: number;
}

export interface TaskSpec {
  name: TaskName;
  /** Tokens fed into the transformer. */
  seqLen: number;
  input: InputKind;
  /** Number of final tokens read by the output head (1 for classification). */
  outputTokens: number;
  /**
   * Labels per output token. Bit Memory predicts 50 bits from one token: labelsPerToken = 50,
   * classes = 2, so the head emits 100 logits per token. Everything else has labelsPerToken = 1.
   */
  labelsPerToken: number;
  /** Classes per label (2 for bits, 10 for digits, ...). */
  classes: number;
  /** Metric name shown to users, e.g. 'per-bit accuracy' or 'accuracy'. */
  metric: string;
}

export interface Task extends TaskSpec {
  /** A batch drawn with the given seeded stream. Test batches come from the held-out split where one exists. */
  batch(batchSize: number, split: Split, rng: import('../rng').Rng): Batch;
  /**
   * The whole held-out split, where the task has a fixed one (MNIST's 2,000, CIFAR-10's 10,000):
   * `count` examples, read in order `size` at a time, never augmented. Generated tasks have none;
   * the trainer evaluates them on a fixed large sample instead (Trainer.evaluateHeldOut).
   */
  heldOut?: { count: number; batch(start: number, size: number): Batch };
  /** Examples in the training split, where the task has a fixed one (generated tasks have unlimited data). */
  trainExamples?: number;
  /** Human-readable rendering of one example (for previews and debugging). */
  describe?(batch: Batch, index: number): string;
}

/** A picture of one example for previews: grey or RGB pixels in [0, 1], row-major, channels interleaved. */
export interface ExampleImage {
  width: number;
  height: number;
  channels: 1 | 3;
  pixels: Float32Array;
}

/**
 * Where the dataset tasks get their bytes. The engine never touches the file system: Node callers
 * pass the loaders from ./node-data, a browser passes loaders that fetch bundled or uploaded files.
 */
export interface TaskDataSources {
  mnist?: () => Promise<import('./mnist').MnistRawDigits> | import('./mnist').MnistRawDigits;
  cifar10?: () => Promise<import('./cifar-binary').Cifar10Files> | import('./cifar-binary').Cifar10Files;
}

/** Options for createTask: `bits` for every task with a bits setting, per-task options by task, data sources. */
export interface TaskOptions {
  /** Bits per string, for tasks whose definition has `bits` (Bit XOR, ...); the definition's default when absent. */
  bits?: number;
  /** Bit XOR's options (its `bits` wins over the general one). */
  bitXor?: import('./bit-xor').BitXorOptions;
  bitMemory?: import('./bit-memory').BitMemoryOptions;
  listops?: import('./listops').ListOpsOptions;
  cifar10?: import('./cifar10').Cifar10Options;
  cifar10Lra?: import('./cifar10-lra').Cifar10LraOptions;
  data?: TaskDataSources;
}

/**
 * Everything the project knows about one task, in one record (registry.ts lists them; the page's
 * task picker, the CLI's --task, the URL state, the settings schemas and the sweeps all read it).
 * A new task is one file exporting its definition plus one line in registry.ts.
 */
export interface TaskDefinition<N extends TaskName = TaskName> {
  /** Stable id: in links, CLI flags, sweep files. */
  name: N;
  /** Short display name ("Bit XOR"): run names, tables. */
  label: string;
  /** The task picker's text when it says more than the label ("CIFAR-10 LRA (grey, 1024 tokens)"). */
  choiceLabel?: string;
  /** How the input layer reads a token (the created task's `input` gives the width or vocabulary). */
  inputKind: InputKind['kind'];
  /** The task takes the bits setting (a string length): its default. */
  bits?: { default: number };
  /** The paper's name for the task (its column in the tables); absent for tasks the paper never ran. */
  paperName?: string;
  /** App. D.1's depth for the from-scratch transformer baseline (sweeps); absent: the model's own depth. */
  fromScratchLayers?: number;
  create(options: TaskOptions): Task | Promise<Task>;
  /** Names of the tokens of one example, for attention maps (default t1..tT). */
  tokenLabels?(task: Task, batch: Batch, index: number): string[];
  /** One example as a picture, for image tasks. */
  image?(task: Task, batch: Batch, index: number): ExampleImage;
}

/** A dataset loader the caller must pass, or an error saying which one and where Node callers find it. */
export function requireSource<K extends keyof TaskDataSources>(data: TaskDataSources | undefined, key: K, name: TaskName) {
  const source = data?.[key];
  if (!source) {
    throw new Error(`${name}: no data source given; pass options.data.${key} (in Node, nodeTaskData() from src/engine/tasks/node-data.ts)`);
  }
  return source as NonNullable<TaskDataSources[K]>;
}
