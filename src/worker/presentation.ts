/**
 * Task-specific labels and pictures for the page: token names for heatmaps, images for previews.
 * Each task's definition (src/engine/tasks/registry.ts) says how; tasks that say nothing get t1..tT.
 */
import { findTaskDefinition } from '../engine/tasks/registry';
import type { Batch, Task } from '../engine/tasks/task';
import type { ExamplePayload } from './protocol';

export function tokenLabels(task: Task, batch: Batch, index: number): string[] {
  const labels = findTaskDefinition(task.name)?.tokenLabels;
  return labels ? labels(task, batch, index) : Array.from({ length: task.seqLen }, (_, i) => `t${i + 1}`);
}

export function describeExample(task: Task, batch: Batch, index: number, prediction: number[]): ExamplePayload {
  const per = task.outputTokens * task.labelsPerToken;
  return {
    text: task.describe?.(batch, index) ?? '',
    image: findTaskDefinition(task.name)?.image?.(task, batch, index),
    target: Array.from(batch.y.subarray(index * per, (index + 1) * per)),
    prediction,
  };
}
