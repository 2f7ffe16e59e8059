/**
 * The page's run settings, their defaults, and the choices offered. DEFAULT_SETTINGS below is the
 * page's one defaults object: where it differs from the engine's (DEFAULT_TRAIN_SETTINGS in
 * src/engine/train/settings.ts, which the CLI, the sweeps and the Trainer use) it is the page's own
 * choice for a browser; tasks and their bits default come from the task registry.
 */
import { FPT_DEFAULT_GROUPS } from '../engine/groups';
import { taskDefinition, taskNames } from '../engine/tasks/registry';
import type { TaskName } from '../engine/tasks/task';
import type { RunSettings } from '../worker/protocol';
import { LOCAL_MODEL_ID } from '../worker/pretrain-protocol';

export const DEFAULT_SETTINGS: RunSettings = {
  task: 'bit-xor',
  bits: 5,
  model: 'tiny-gpt2',
  init: 'pretrained',
  batchSize: 16,
  lr: 1e-3,
  seed: 0,
  groups: [...FPT_DEFAULT_GROUPS],
  backend: 'auto',
};

export interface TaskChoice {
  value: TaskName;
  label: string;
}

/** The task picker's entries: every registered task (src/engine/tasks/registry.ts), in its order. */
export function taskChoices(): TaskChoice[] {
  return taskNames().map((name) => {
    const task = taskDefinition(name);
    return { value: name, label: task.choiceLabel ?? task.label };
  });
}

/** A backbone is a model plus its initialisation. */
export interface BackboneChoice {
  id: string;
  label: string;
  model: string;
  init: RunSettings['init'];
}

export const BACKBONE_CHOICES: BackboneChoice[] = [
  { id: 'tiny', label: 'Tiny GPT-2 (2 layers, 64 wide; test checkpoint)', model: 'tiny-gpt2', init: 'pretrained' },
  { id: 'tiny-random', label: 'Tiny GPT-2, random frozen (every weight N(0, 0.02), the paper’s init)', model: 'tiny-gpt2', init: 'random' },
  { id: 'gpt2', label: 'GPT-2 small, pretrained', model: 'gpt2', init: 'pretrained' },
  { id: 'gpt2-random', label: 'GPT-2 small, random frozen (every weight N(0, 0.02), the paper’s init)', model: 'gpt2', init: 'random' },
  { id: 'gpt2-statistics', label: 'GPT-2 small, statistics only', model: 'gpt2', init: 'statistics' },
  { id: LOCAL_MODEL_ID, label: 'Mini GPT-2 pretrained in this browser (Pretrain panel)', model: LOCAL_MODEL_ID, init: 'pretrained' },
];

export function backboneIdOf(settings: Pick<RunSettings, 'model' | 'init'>): string {
  return BACKBONE_CHOICES.find((b) => b.model === settings.model && b.init === settings.init)?.id ?? `${settings.model}:${settings.init}`;
}

export const BACKEND_CHOICES: readonly RunSettings['backend'][] = ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'];

export const BATCH_SIZES: readonly number[] = [2, 4, 8, 16, 32, 64];

/** Steps between screen updates that the speed control offers. */
export const SPEEDS: readonly number[] = [1, 5, 10, 25, 50];

export const DEFAULT_STEPS_PER_UPDATE = 1;
