/** Resolves the CLI's --model argument: a checkpoint directory, `tiny`, or a GPT-2 preset name. */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadGpt2CheckpointDir } from '../weights/checkpoint-node';
import { GPT2_PRESETS, type Gpt2Checkpoint, type Gpt2Config, type Gpt2PresetName } from '../weights/gpt2-checkpoint';

export const MODELS_DIR = resolve(import.meta.dirname, '../../models');

export interface ResolvedModel {
  label: string;
  config: Gpt2Config;
  /** Present when a checkpoint was found; a preset alone has only the config (enough for `random`). */
  checkpoint?: Gpt2Checkpoint;
}

export async function resolveModel(model: string, needWeights: boolean): Promise<ResolvedModel> {
  const dir = model === 'tiny' ? join(MODELS_DIR, 'tiny-gpt2') : model in GPT2_PRESETS ? join(MODELS_DIR, model) : resolve(model);
  if (existsSync(join(dir, 'model.safetensors'))) {
    const checkpoint = await loadGpt2CheckpointDir(dir);
    return { label: dir, config: checkpoint.config, checkpoint };
  }
  if (model in GPT2_PRESETS) {
    if (needWeights) {
      throw new Error(
        `pretrained ${model} weights are not in ${dir}; download them once with \`npm run models:${model}\`, or use --init random`,
      );
    }
    return { label: `${model} (config only)`, config: GPT2_PRESETS[model as Gpt2PresetName] };
  }
  throw new Error(`no checkpoint at ${dir} (expected config.json and model.safetensors there)`);
}
