/**
 * The schema of a run's settings (protocol.ts RunSettings) and of a trainer snapshot: what the page
 * autosaves and reads back, and what the worker accepts in `init`. Ranges are the page's (the URL
 * reader clamps to the same ones, url-state.ts), so a saved run with settings out of range is
 * refused at the boundary instead of reaching the trainer.
 */
import { z } from 'zod';
import { ALL_GROUPS, type GroupName } from '../engine/groups';
import type { BackboneInit } from '../engine/backbone';
import { taskNameSchema } from '../engine/tasks/registry';
import { LIMITS } from '../engine/train/limits';
import type { BackendChoice, RunSettings, Snapshot } from './protocol';

/**
 * Ranges of the numeric settings. Seed and batch size are the engine's (LIMITS in
 * src/engine/train/limits.ts, which the Trainer checks too: seeds are 32-bit); the page offers a
 * narrower learning rate and bit count than the engine accepts.
 */
export const SETTINGS_LIMITS = {
  bits: { min: 5, max: 256 },
  lr: { min: 1e-5, max: 1e-1 },
  seed: { min: LIMITS.seed.min, max: LIMITS.seed.max },
  batchSize: { min: LIMITS.batchSize.min, max: LIMITS.batchSize.max },
} as const;

const int = (range: { min: number; max: number }) => z.number().int().min(range.min).max(range.max);

export const runSettingsSchema = z.object({
  task: taskNameSchema,
  bits: int(SETTINGS_LIMITS.bits),
  /** A model directory under /models or a GPT-2 preset name: one path segment, no dots first. */
  model: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'expected a model name such as tiny-gpt2 or gpt2'),
  init: z.enum(['pretrained', 'random', 'statistics']) satisfies z.ZodType<BackboneInit>,
  batchSize: int(SETTINGS_LIMITS.batchSize),
  lr: z.number().min(SETTINGS_LIMITS.lr.min).max(SETTINGS_LIMITS.lr.max),
  seed: int(SETTINGS_LIMITS.seed),
  groups: z.array(z.enum(ALL_GROUPS as [GroupName, ...GroupName[]])),
  backend: z.enum(['auto', 'webgpu', 'webgl', 'wasm', 'cpu']) satisfies z.ZodType<BackendChoice>,
}) satisfies z.ZodType<RunSettings>;

/** Every parameter a run trained, with its shape; the values' count must match the shape. */
export const snapshotSchema = z.object({
  step: z.number().int().nonnegative(),
  params: z.record(
    z.string().min(1),
    z
      .object({
        shape: z.array(z.number().int().nonnegative()).max(8),
        data: z.instanceof(Float32Array),
      })
      .refine((p) => p.data.length === p.shape.reduce((a, b) => a * b, 1), { message: 'its values do not fill its shape' }),
  ),
}) satisfies z.ZodType<Snapshot>;
