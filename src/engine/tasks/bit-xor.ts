import type { Rng } from '../rng';
import type { Batch, Task, TaskDefinition } from './task';

export interface BitXorOptions {
  /** Bits per string (paper: 5). Two strings make 2n tokens, so n ≤ 512 fits GPT-2's 1024 positions. */
  bits?: number;
}

/**
 * Bit XOR: tokens a1..an, b1..bn (one 0/1 bit each); the last n tokens predict a_i XOR b_i.
 * x is [B, 2n, 1], y is [B, n]. Every batch is freshly drawn, so train and test share one distribution.
 */
export function createBitXorTask(options: BitXorOptions = {}): Task {
  const n = options.bits ?? 5;
  if (!Number.isInteger(n) || n < 1 || 2 * n > 1024) {
    throw new Error(`bit-xor: bits must be an integer in 1..512 (got ${n})`);
  }
  return {
    name: 'bit-xor',
    seqLen: 2 * n,
    input: { kind: 'vector', dim: 1 },
    outputTokens: n,
    labelsPerToken: 1,
    classes: 2,
    metric: 'per-bit accuracy',
    batch(batchSize: number, _split, rng: Rng): Batch {
      const x = new Float32Array(batchSize * 2 * n);
      const y = new Int32Array(batchSize * n);
      for (let b = 0; b < batchSize; b++) {
        const row = b * 2 * n;
        for (let i = 0; i < 2 * n; i++) x[row + i] = rng.bit();
        for (let i = 0; i < n; i++) y[b * n + i] = x[row + i] ^ x[row + n + i];
      }
      return { x, y, batchSize };
    },
    describe(batch: Batch, index: number): string {
      const row = batch.x.subarray(index * 2 * n, (index + 1) * 2 * n);
      const a = Array.from(row.subarray(0, n)).join('');
      const b = Array.from(row.subarray(n)).join('');
      const y = Array.from(batch.y.subarray(index * n, (index + 1) * n)).join('');
      return `${a} XOR ${b} = ${y}`;
    },
  };
}

export const BIT_XOR: TaskDefinition<'bit-xor'> = {
  name: 'bit-xor',
  label: 'Bit XOR',
  paperName: 'Bit XOR',
  inputKind: 'vector',
  bits: { default: 5 },
  fromScratchLayers: 12,
  create: (options) => createBitXorTask(options.bitXor ?? (options.bits === undefined ? undefined : { bits: options.bits })),
  tokenLabels(task) {
    const n = task.seqLen / 2;
    return Array.from({ length: task.seqLen }, (_, i) => (i < n ? `a${i + 1}` : `b${i - n + 1}`));
  },
};
