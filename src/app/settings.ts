/**
 * The page's run settings, their defaults, and the choices offered. DEFAULT_SETTINGS below is the
 * page's one defaults object: where it differs from the engine's (DEFAULT_TRAIN_SETTINGS in
 * src/engine/train/settings.ts, which the CLI, the sweeps and the Trainer use) it is the page's own
 * choice for a browser; tasks and their bits default come from the task registry.
 */
import { ALL_GROUPS, FPT_DEFAULT_GROUPS } from '../engine/groups';
import { DEFAULT_TRAIN_SETTINGS } from '../engine/train/settings';
import { taskDefinition, taskNames } from '../engine/tasks/registry';
import type { TaskName } from '../engine/tasks/task';
import type { RunSettings } from '../worker/protocol';
import { LOCAL_MODEL_ID } from '../worker/pretrain-protocol';
import { MINI_BROWN_MODEL, RANDOM_TEST_MODEL } from '../weights/embedded-models';

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * The first visit: the random test model with every group trainable, lr 3e-3: of the embedded
 * backbones and settings screened (docs/default-backbone.md) the only one that reaches 100% per-bit
 * test accuracy on Bit XOR in minutes on SwiftShader (120 steps; the mini English GPT-2 frozen needs
 * 230-280 steps at 2.7× the step time). Its body trains, and the page says so (BackboneNotice).
 * GPT-2 small takes over once cached (gpt2-default.ts).
 */
export const DEFAULT_SETTINGS: RunSettings = {
  task: 'bit-xor',
  bits: 5,
  model: RANDOM_TEST_MODEL.dir,
  init: 'pretrained',
  batchSize: 16,
  lr: 3e-3,
  seed: 0,
  groups: [...ALL_GROUPS],
  backend: 'auto',
};

/**
 * What a link that names a backbone but not `g=` or `lr=` trains: every group at lr 3e-3 is the
 * random test model's first-visit choice alone (its body is random, so there is nothing to keep
 * frozen); any other backbone gets the paper's FPT groups and learning rate (the engine's defaults),
 * so `?bb=gpt2` or `?bb=mini-brown` opens the paper's method, as such links did before.
 */
export function backboneRunDefaults(model: string): Pick<RunSettings, 'groups' | 'lr'> {
  if (model === DEFAULT_SETTINGS.model) return { groups: DEFAULT_SETTINGS.groups, lr: DEFAULT_SETTINGS.lr };
  return { groups: [...FPT_DEFAULT_GROUPS], lr: DEFAULT_TRAIN_SETTINGS.lr };
}

/**
 * "Freeze the mini English GPT-2" (BackboneNotice): the embedded mini model pretrained on English,
 * its body frozen under the paper's FPT groups, at lr 3e-3, where it reached 100% on Bit XOR in 240 to
 * 280 steps (3 seeds) and the same shape with a random body did not in 1,000 (docs/mini-model.md).
 */
export const MINI_FPT_SETTINGS: Pick<RunSettings, 'model' | 'init' | 'groups' | 'lr'> = {
  model: MINI_BROWN_MODEL.dir,
  init: 'pretrained',
  groups: [...FPT_DEFAULT_GROUPS],
  lr: 3e-3,
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

/**
 * The embedded models come first (no download); ids are what links carry (`bb=`): `tiny` and
 * `tiny-random` are kept as they were, so old links still open, though the tiny checkpoint's weights
 * are random (src/weights/embedded-models.ts names it).
 */
export const BACKBONE_CHOICES: BackboneChoice[] = [
  { id: 'mini-brown', label: capitalise(MINI_BROWN_MODEL.label), model: MINI_BROWN_MODEL.dir, init: 'pretrained' },
  {
    id: 'mini-brown-random',
    label: 'Mini GPT-2’s shape, random frozen (every weight N(0, 0.02), the paper’s init)',
    model: MINI_BROWN_MODEL.dir,
    init: 'random',
  },
  { id: 'mini-brown-statistics', label: 'Mini GPT-2’s shape, statistics only', model: MINI_BROWN_MODEL.dir, init: 'statistics' },
  { id: 'tiny', label: capitalise(RANDOM_TEST_MODEL.label), model: RANDOM_TEST_MODEL.dir, init: 'pretrained' },
  {
    id: 'tiny-random',
    label: `${capitalise(RANDOM_TEST_MODEL.label)}, re-drawn: every weight N(0, 0.02), the paper’s init`,
    model: RANDOM_TEST_MODEL.dir,
    init: 'random',
  },
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

/**
 * 5: the attention maps and the example are read back once per 5 steps, not after every step (on
 * SwiftShader that read-back cost about half a training step). The step counter, the loss curve and
 * the updated-group outline still move with every step where steps are slow (the worker posts them as
 * they come: training-session.ts PROGRESS_EVERY_MS); docs/default-backbone.md has the figures.
 */
export const DEFAULT_STEPS_PER_UPDATE = 5;
