import { describe, expect, it } from 'vitest';
import { Rng } from '../rng';
import { fixturePixel, makeCifarFixture } from './fixtures/cifar-fixture';
import { LISTOPS_PAD_ID, listOpsIdsToText } from './listops';
import { loadMnistDigitsNode } from './node-data';
import { createTask, findTaskDefinition, TASK_NAMES, taskDefinition, taskLabel, type TaskOptions } from './index';

const options: TaskOptions = { data: { mnist: loadMnistDigitsNode, cifar10: makeCifarFixture } };

describe('the task registry', () => {
  it("has one definition per built-in task, whose input kind is the built task's", async () => {
    expect(TASK_NAMES).toEqual(['bit-xor', 'bit-memory', 'listops', 'mnist', 'cifar10', 'cifar10-lra']);
    for (const name of TASK_NAMES) expect((await createTask(name, options)).input.kind).toBe(taskDefinition(name).inputKind);
    expect(TASK_NAMES.map(taskLabel)).toEqual(['Bit XOR', 'Bit Memory', 'ListOps', 'MNIST', 'CIFAR-10', 'CIFAR-10 LRA']);
    expect(TASK_NAMES.map((t) => taskDefinition(t).bits?.default ?? null)).toEqual([5, null, null, null, null, null]);
    expect(findTaskDefinition('parrot')).toBeUndefined();
    await expect(createTask('parrot')).rejects.toThrow("unknown task 'parrot'; expected one of bit-xor, bit-memory, listops, mnist, cifar10, cifar10-lra");
  });

  it('the general bits option reaches Bit XOR; its own option wins', async () => {
    expect((await createTask('bit-xor', { bits: 7 })).seqLen).toBe(14);
    expect((await createTask('bit-xor', { bits: 7, bitXor: { bits: 3 } })).seqLen).toBe(6);
  });

  it("names tokens by the task's layout", async () => {
    const labels = async (name: string, extra: TaskOptions = {}) => {
      const task = await createTask(name, { ...options, ...extra });
      return taskDefinition(name).tokenLabels!(task, task.batch(1, 'test', new Rng(5)), 0);
    };
    expect(await labels('bit-xor', { bits: 3 })).toEqual(['a1', 'a2', 'a3', 'b1', 'b2', 'b3']);
    expect((await labels('mnist')).slice(6, 9)).toEqual(['p0,6', 'p1,0', 'p1,1']);
    expect((await labels('cifar10')).slice(7, 9)).toEqual(['p0,7', 'p1,0']);
    // ListOps: each token by its symbol, padding as "pad" (listOpsIdsToText writes "<pad>").
    const listops = await createTask('listops', { listops: { seqLen: 64 } });
    const example = listops.batch(1, 'test', new Rng(5));
    const names = taskDefinition('listops').tokenLabels!(listops, example, 0);
    expect(names).toEqual(Array.from(example.x, (id) => (id === LISTOPS_PAD_ID ? 'pad' : listOpsIdsToText([id]))));
    const tiny = { x: Int32Array.from([LISTOPS_PAD_ID, 11, 3, 15]), y: Int32Array.from([3]), batchSize: 1 };
    expect(taskDefinition('listops').tokenLabels!({ ...listops, seqLen: 4 }, tiny, 0)).toEqual(['pad', 'MIN', '2', ']']);
    expect(taskDefinition('bit-memory').tokenLabels).toBeUndefined();
  });

  it('pictures CIFAR-10 examples as the original image (normalisation undone) and MNIST digits as their pixels', async () => {
    const cifar = await createTask('cifar10', options);
    const batch = cifar.heldOut!.batch(1, 1); // test record 1: label 8
    const image = taskDefinition('cifar10').image!(cifar, batch, 0);
    expect([image.width, image.height, image.channels]).toEqual([32, 32, 3]);
    let worst = 0;
    for (const [r, c, ch] of [
      [0, 0, 0],
      [5, 9, 1],
      [31, 31, 2],
      [17, 3, 0],
    ]) {
      worst = Math.max(worst, Math.abs(image.pixels[(r * 32 + c) * 3 + ch] - fixturePixel(8, ch, r, c) / 255));
    }
    expect(worst).toBeLessThan(1e-6);
    const mnist = await createTask('mnist', options);
    const digit = mnist.heldOut!.batch(0, 1);
    const picture = taskDefinition('mnist').image!(mnist, digit, 0);
    expect([picture.width, picture.channels]).toEqual([28, 1]);
    // Token 8 (patch row 1, column 1), pixel 5 (row 1, column 1 within): image pixel (5, 5).
    expect(picture.pixels[5 * 28 + 5]).toBe(Math.min(1, Math.max(0, digit.x[8 * 16 + 5])));
    expect(taskDefinition('cifar10-lra').image).toBeUndefined();
  });
});
