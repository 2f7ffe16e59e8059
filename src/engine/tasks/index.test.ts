import { describe, expect, it } from 'vitest';
import { Rng } from '../rng';
import { createTask, TASK_NAMES, type TaskOptions } from './index';
import { makeCifarFixture } from './fixtures/cifar-fixture';
import { loadMnistDigitsNode } from './node-data';

const options: TaskOptions = { data: { mnist: loadMnistDigitsNode, cifar10: makeCifarFixture } };

describe('createTask', () => {
  it.each(TASK_NAMES.map((n) => [n]))('%s: batches match the spec and repeat for a seed', async (name) => {
    const task = await createTask(name, options);
    expect(task.name).toBe(name);
    const width = task.input.kind === 'vector' ? task.input.dim : 1;
    for (const split of ['train', 'test'] as const) {
      const a = task.batch(2, split, new Rng(42));
      const b = task.batch(2, split, new Rng(42));
      expect(a.batchSize).toBe(2);
      expect(a.x.length).toBe(2 * task.seqLen * width);
      expect(a.x).toBeInstanceOf(task.input.kind === 'tokens' ? Int32Array : Float32Array);
      expect(a.y.length).toBe(2 * task.outputTokens * task.labelsPerToken);
      for (const label of a.y) expect(label >= 0 && label < task.classes).toBe(true);
      expect(Array.from(b.x)).toEqual(Array.from(a.x));
      expect(Array.from(b.y)).toEqual(Array.from(a.y));
      expect(typeof task.describe?.(a, 1)).toBe('string');
    }
    const other = task.batch(2, 'train', new Rng(43));
    expect(Array.from(other.x)).not.toEqual(Array.from(task.batch(2, 'train', new Rng(42)).x));
  });

  it('passes per-task options through', async () => {
    expect((await createTask('bit-xor', { bitXor: { bits: 16 } })).seqLen).toBe(32);
    expect((await createTask('bit-memory', { bitMemory: { numStrings: 3, stringLength: 100, patch: 25 } })).seqLen).toBe(16);
    expect((await createTask('listops', { listops: { seqLen: 256, keepBrackets: true } })).input).toEqual({ kind: 'tokens', vocabSize: 16 });
  });

  it('says which data source is missing', async () => {
    await expect(createTask('mnist')).rejects.toThrow(/options\.data\.mnist/);
    await expect(createTask('cifar10-lra')).rejects.toThrow(/options\.data\.cifar10/);
  });
});
