/** Task-specific labels and pictures for the page: token names for heatmaps, images for previews. */
import type { Batch, Task } from '../engine/tasks/task';
import type { ExamplePayload } from './protocol';

const LISTOPS_NAMES = ['pad', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'MIN', 'MAX', 'MED', 'SM', ']'];

export function tokenLabels(task: Task, batch: Batch, index: number): string[] {
  const T = task.seqLen;
  switch (task.name) {
    case 'bit-xor': {
      const n = T / 2;
      return Array.from({ length: T }, (_, i) => (i < n ? `a${i + 1}` : `b${i - n + 1}`));
    }
    case 'listops':
      return Array.from(batch.x.subarray(index * T, (index + 1) * T), (id) => LISTOPS_NAMES[id] ?? String(id));
    case 'mnist':
      return Array.from({ length: T }, (_, i) => `p${Math.floor(i / 7)},${i % 7}`);
    case 'cifar10':
      return Array.from({ length: T }, (_, i) => `p${Math.floor(i / 8)},${i % 8}`);
    default:
      return Array.from({ length: T }, (_, i) => `t${i + 1}`);
  }
}

const CIFAR_MEAN = [0.4914, 0.4822, 0.4465];
const CIFAR_STD = [0.2023, 0.1994, 0.201];

/** Undoes the 4×4 patch layout to show the example as a picture (MNIST grey, CIFAR-10 colour). */
function exampleImage(task: Task, batch: Batch, index: number): ExamplePayload['image'] {
  if (task.name !== 'mnist' && task.name !== 'cifar10') return undefined;
  const channels = task.name === 'mnist' ? 1 : 3;
  const side = task.name === 'mnist' ? 28 : 32;
  const grid = side / 4;
  const dim = 16 * channels;
  const x = batch.x as Float32Array;
  const pixels = new Float32Array(side * side * channels);
  const base = index * task.seqLen * dim;
  for (let t = 0; t < task.seqLen; t++) {
    for (let p = 0; p < 16; p++) {
      const r = Math.floor(t / grid) * 4 + Math.floor(p / 4);
      const c = (t % grid) * 4 + (p % 4);
      for (let ch = 0; ch < channels; ch++) {
        let v = x[base + t * dim + p * channels + ch];
        if (channels === 3) v = v * CIFAR_STD[ch] + CIFAR_MEAN[ch];
        pixels[(r * side + c) * channels + ch] = Math.min(1, Math.max(0, v));
      }
    }
  }
  return { width: side, height: side, channels: channels as 1 | 3, pixels };
}

export function describeExample(task: Task, batch: Batch, index: number, prediction: number[]): ExamplePayload {
  const per = task.outputTokens * task.labelsPerToken;
  return {
    text: task.describe?.(batch, index) ?? '',
    image: exampleImage(task, batch, index),
    target: Array.from(batch.y.subarray(index * per, (index + 1) * per)),
    prediction,
  };
}
