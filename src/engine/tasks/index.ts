import type { BitMemoryOptions } from './bit-memory';
import type { BitXorOptions } from './bit-xor';
import type { Cifar10Files } from './cifar-binary';
import type { Cifar10Options } from './cifar10';
import type { Cifar10LraOptions } from './cifar10-lra';
import type { ListOpsOptions } from './listops';
import type { MnistRawDigits } from './mnist';

export type { Batch, BuiltInTaskName, ExampleImage, InputKind, Split, Task, TaskDataSources, TaskDefinition, TaskName, TaskOptions, TaskSpec } from './task';
export type { BitMemoryOptions, BitXorOptions, Cifar10Files, Cifar10LraOptions, Cifar10Options, ListOpsOptions, MnistRawDigits };
export { createTask, findTaskDefinition, isTaskName, registerTask, TASK_NAMES, taskDefinition, taskLabel, taskNames } from './registry';
