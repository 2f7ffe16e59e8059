/**
 * The contract every task meets: a seeded source of fixed-shape batches in the paper-faithful layout
 * of docs/fpt-spec.md. Tasks are pure data (typed arrays); the model turns them into tensors.
 */
export type TaskName = 'bit-xor' | 'bit-memory' | 'listops' | 'mnist' | 'cifar10' | 'cifar10-lra';

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
