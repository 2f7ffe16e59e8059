import type { Rng } from '../rng';
import type { Batch, Task, TaskDefinition } from './task';

export interface BitMemoryOptions {
  /** Strings to memorise (paper: 5). */
  numStrings?: number;
  /** Bits per string (paper: 1000). */
  stringLength?: number;
  /** Values per token (paper: 50); must divide stringLength. */
  patch?: number;
}

export interface BitMemoryExample {
  /** numStrings strings of ±1, concatenated. */
  strings: Int8Array;
  /** Which string the masked query copies. */
  chosen: number;
  /** The chosen string with each value zeroed with probability 0.5. */
  query: Int8Array;
}

/** Draws one example: all strings, then the chosen index, then the mask (one rng draw per bit). */
export function drawBitMemoryExample(rng: Rng, numStrings: number, stringLength: number): BitMemoryExample {
  const strings = new Int8Array(numStrings * stringLength);
  for (let i = 0; i < strings.length; i++) strings[i] = rng.bit() === 1 ? 1 : -1;
  const chosen = rng.int(0, numStrings - 1);
  const query = new Int8Array(stringLength);
  for (let i = 0; i < stringLength; i++) query[i] = rng.bit() * strings[chosen * stringLength + i];
  return { strings, chosen, query };
}

/**
 * Bit Memory: numStrings ±1 strings then a half-masked copy of one of them, chunked into tokens of
 * `patch` values (120 × 50 at paper sizes). The last stringLength/patch tokens each predict `patch`
 * bits of the original string (1 for +1, 0 for -1), so y is simply the string's bit order.
 */
export function createBitMemoryTask(options: BitMemoryOptions = {}): Task {
  const numStrings = options.numStrings ?? 5;
  const stringLength = options.stringLength ?? 1000;
  const patch = options.patch ?? 50;
  for (const [key, v] of Object.entries({ numStrings, stringLength, patch })) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`bit-memory: ${key} must be a positive integer (got ${v})`);
  }
  if (stringLength % patch !== 0) {
    throw new Error(`bit-memory: patch (${patch}) must divide stringLength (${stringLength})`);
  }
  const values = (numStrings + 1) * stringLength;
  const seqLen = values / patch;
  if (seqLen > 1024) throw new Error(`bit-memory: ${seqLen} tokens exceed GPT-2's 1024 positions`);

  return {
    name: 'bit-memory',
    seqLen,
    input: { kind: 'vector', dim: patch },
    outputTokens: stringLength / patch,
    labelsPerToken: patch,
    classes: 2,
    metric: 'per-bit accuracy',
    batch(batchSize: number, _split, rng: Rng): Batch {
      const x = new Float32Array(batchSize * values);
      const y = new Int32Array(batchSize * stringLength);
      for (let b = 0; b < batchSize; b++) {
        const ex = drawBitMemoryExample(rng, numStrings, stringLength);
        x.set(ex.strings, b * values);
        x.set(ex.query, b * values + ex.strings.length);
        const original = ex.strings.subarray(ex.chosen * stringLength, (ex.chosen + 1) * stringLength);
        for (let i = 0; i < stringLength; i++) y[b * stringLength + i] = original[i] > 0 ? 1 : 0;
      }
      return { x, y, batchSize };
    },
    describe(batch: Batch, index: number): string {
      const query = batch.x.subarray(index * values + numStrings * stringLength, (index + 1) * values);
      const shown = Math.min(40, stringLength);
      const sym = (v: number) => (v > 0 ? '+' : v < 0 ? '-' : '.');
      const q = Array.from(query.subarray(0, shown), sym).join('');
      const t = Array.from(batch.y.subarray(index * stringLength, index * stringLength + shown), (v) => (v ? '+' : '-')).join('');
      const more = shown < stringLength ? '…' : '';
      return `query  ${q}${more}\ntarget ${t}${more}`;
    },
  };
}

export const BIT_MEMORY: TaskDefinition<'bit-memory'> = {
  name: 'bit-memory',
  label: 'Bit Memory',
  paperName: 'Bit Memory',
  inputKind: 'vector',
  fromScratchLayers: 12,
  create: (options) => createBitMemoryTask(options.bitMemory),
};
