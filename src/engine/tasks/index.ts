import { createBitMemoryTask, type BitMemoryOptions } from './bit-memory';
import { createBitXorTask, type BitXorOptions } from './bit-xor';
import { parseCifar10Files, type Cifar10Files } from './cifar-binary';
import { createCifar10Task, type Cifar10Options } from './cifar10';
import { createCifar10LraTask, type Cifar10LraOptions } from './cifar10-lra';
import { createListOpsTask, type ListOpsOptions } from './listops';
import { buildMnistDataset, createMnistTask, type MnistRawDigits } from './mnist';
import type { Task, TaskName } from './task';

export type { Batch, InputKind, Split, Task, TaskName, TaskSpec } from './task';
export type { BitMemoryOptions, BitXorOptions, Cifar10Files, Cifar10LraOptions, Cifar10Options, ListOpsOptions, MnistRawDigits };

export const TASK_NAMES: readonly TaskName[] = ['bit-xor', 'bit-memory', 'listops', 'mnist', 'cifar10', 'cifar10-lra'];

/**
 * Where the dataset tasks get their bytes. The engine never touches the file system: Node callers
 * pass the loaders from ./node-data, a browser passes loaders that fetch bundled or uploaded files.
 */
export interface TaskDataSources {
  mnist?: () => Promise<MnistRawDigits> | MnistRawDigits;
  cifar10?: () => Promise<Cifar10Files> | Cifar10Files;
}

export interface TaskOptions {
  bitXor?: BitXorOptions;
  bitMemory?: BitMemoryOptions;
  listops?: ListOpsOptions;
  cifar10?: Cifar10Options;
  cifar10Lra?: Cifar10LraOptions;
  data?: TaskDataSources;
}

function requireSource<K extends keyof TaskDataSources>(data: TaskDataSources | undefined, key: K, name: TaskName) {
  const source = data?.[key];
  if (!source) {
    throw new Error(
      `${name}: no data source given; pass options.data.${key} (in Node, nodeTaskData() from src/engine/tasks/node-data.ts)`,
    );
  }
  return source as NonNullable<TaskDataSources[K]>;
}

export async function createTask(name: TaskName, options: TaskOptions = {}): Promise<Task> {
  switch (name) {
    case 'bit-xor':
      return createBitXorTask(options.bitXor);
    case 'bit-memory':
      return createBitMemoryTask(options.bitMemory);
    case 'listops':
      return createListOpsTask(options.listops);
    case 'mnist':
      return createMnistTask(buildMnistDataset(await requireSource(options.data, 'mnist', name)()));
    case 'cifar10':
      return createCifar10Task(parseCifar10Files(await requireSource(options.data, 'cifar10', name)()), options.cifar10);
    case 'cifar10-lra':
      return createCifar10LraTask(parseCifar10Files(await requireSource(options.data, 'cifar10', name)()), options.cifar10Lra);
    default: {
      const unknown: never = name;
      throw new Error(`unknown task '${String(unknown)}'; expected one of ${TASK_NAMES.join(', ')}`);
    }
  }
}
