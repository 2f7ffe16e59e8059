/**
 * Resolves the CLI's --model argument: a checkpoint directory (converted: manifest.json + shards, or
 * Hugging Face: config.json + model.safetensors), `tiny` (models/tiny-gpt2, the random test model),
 * `mini` (models/mini-brown-gpt2, pretrained on English here), or a GPT-2 preset name. Embedded models
 * are labelled as what they are (src/weights/embedded-models.ts): random weights are never "pretrained".
 */
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { isManifestDir, loadGpt2CheckpointDir } from '../weights/checkpoint-node';
import { embeddedModel, MINI_BROWN_MODEL, RANDOM_TEST_MODEL, type EmbeddedModel } from '../weights/embedded-models';
import { GPT2_PRESETS, type Gpt2Checkpoint, type Gpt2Config, type Gpt2PresetName } from '../weights/gpt2-checkpoint';

export const MODELS_DIR = resolve(import.meta.dirname, '../../models');

export interface ResolvedModel {
  label: string;
  config: Gpt2Config;
  /** Present when a checkpoint was found; a preset alone has only the config (enough for `random`). */
  checkpoint?: Gpt2Checkpoint;
  /** Set when the checkpoint is one of the committed models (what its weights are). */
  embedded?: EmbeddedModel;
}

/** Short names for the committed models. */
const ALIASES: Record<string, EmbeddedModel> = { tiny: RANDOM_TEST_MODEL, mini: MINI_BROWN_MODEL };

/** Own keys only: `model in GPT2_PRESETS` is also true for "constructor", "toString", ... */
const isPreset = (model: string): model is Gpt2PresetName => Object.hasOwn(GPT2_PRESETS, model);

export async function resolveModel(model: string, needWeights: boolean): Promise<ResolvedModel> {
  const alias = Object.hasOwn(ALIASES, model) ? ALIASES[model] : undefined;
  const dir = alias ? join(MODELS_DIR, alias.dir) : isPreset(model) ? join(MODELS_DIR, model) : resolve(model);
  const embedded = resolve(dir, '..') === MODELS_DIR ? embeddedModel(basename(dir)) : undefined;
  // A converted directory wins over a raw one (the manifest is written last, so it means complete).
  if (isManifestDir(dir) || existsSync(join(dir, 'model.safetensors'))) {
    const checkpoint = await loadGpt2CheckpointDir(dir);
    if (isPreset(model)) {
      const expected = GPT2_PRESETS[model as Gpt2PresetName];
      if (checkpoint.config.nLayer !== expected.nLayer || checkpoint.config.nEmbd !== expected.nEmbd) {
        throw new Error(`${dir} holds a GPT-2 with n_layer ${checkpoint.config.nLayer}, n_embd ${checkpoint.config.nEmbd}, not ${model}`);
      }
    }
    return { label: embedded ? `${dir} (${embedded.label})` : dir, config: checkpoint.config, checkpoint, ...(embedded ? { embedded } : {}) };
  }
  if (isPreset(model)) {
    if (needWeights) {
      throw new Error(`pretrained ${model} weights are not in ${dir}; download them once with \`npm run models:${model}\`, or use --init random`);
    }
    return { label: `${model} (config only)`, config: GPT2_PRESETS[model as Gpt2PresetName] };
  }
  throw new Error(`no checkpoint at ${dir} (expected manifest.json and shards from \`npm run models:convert\`, or config.json and model.safetensors)`);
}
