/**
 * The task registry: one TaskDefinition per task (task.ts), as TensorFlow Playground keeps its
 * datasets in one map. The page's task picker, the CLI's --task and --tasks, the URL state, the
 * run-settings and sweep-file schemas, the sweep presets and the worker's previews all read it, so a
 * new task is one file exporting its definition plus one line in BUILT_IN_TASKS (or, for a task
 * defined outside the project, such as a test's, one registerTask call).
 */
import { z } from 'zod';
import { BIT_MEMORY } from './bit-memory';
import { BIT_XOR } from './bit-xor';
import { CIFAR10 } from './cifar10';
import { CIFAR10_LRA } from './cifar10-lra';
import { LISTOPS } from './listops';
import { MNIST } from './mnist';
import type { BuiltInTaskName, Task, TaskDefinition, TaskName, TaskOptions } from './task';

/** The project's tasks, in the order the page and the help list them. */
const BUILT_IN_TASKS: readonly TaskDefinition<BuiltInTaskName>[] = [BIT_XOR, BIT_MEMORY, LISTOPS, MNIST, CIFAR10, CIFAR10_LRA];

/** The built-in tasks' names (registered tasks are added by registerTask; taskNames() lists all). */
export const TASK_NAMES: readonly BuiltInTaskName[] = BUILT_IN_TASKS.map((t) => t.name);

const registry = new Map<TaskName, TaskDefinition>(BUILT_IN_TASKS.map((t) => [t.name, t]));

/** Task ids must be safe in links, CLI lists and file names. */
const TASK_ID = /^[a-z0-9][a-z0-9-]{0,39}$/;

/**
 * Adds a task to every list that offers tasks. Returns a function that removes it again (tests).
 * Throws when the name is taken or not a lower-case id.
 */
export function registerTask(definition: TaskDefinition): () => void {
  if (!TASK_ID.test(definition.name)) throw new Error(`task name "${definition.name}" must be lower-case letters, digits and dashes (at most 40)`);
  if (registry.has(definition.name)) throw new Error(`task "${definition.name}" is already registered`);
  registry.set(definition.name, definition);
  return () => {
    if (registry.get(definition.name) === definition) registry.delete(definition.name);
  };
}

/** Every registered task's name, built-in ones first. */
export function taskNames(): TaskName[] {
  return [...registry.keys()];
}

export function isTaskName(name: string): boolean {
  return registry.has(name);
}

/** The definition of a registered task, or undefined. */
export function findTaskDefinition(name: TaskName): TaskDefinition | undefined {
  return registry.get(name);
}

/** The definition of a registered task; throws naming the known ones otherwise. */
export function taskDefinition(name: TaskName): TaskDefinition {
  const definition = registry.get(name);
  if (!definition) throw new Error(`unknown task '${String(name)}'; expected one of ${taskNames().join(', ')}`);
  return definition;
}

/** The task's display name ("Bit XOR"), or its id for an unknown task. */
export function taskLabel(name: TaskName): string {
  return registry.get(name)?.label ?? name;
}

/** Builds a registered task. Dataset tasks need their loader in options.data. */
export async function createTask(name: TaskName, options: TaskOptions = {}): Promise<Task> {
  return taskDefinition(name).create(options);
}

/** A registered task's name, checked when parsed (so a task registered later is accepted too). */
export const taskNameSchema = z.string().refine(isTaskName, {
  error: () =>
    `Invalid option: expected one of ${taskNames()
      .map((n) => JSON.stringify(n))
      .join('|')}`,
});
