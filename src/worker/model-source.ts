/**
 * Where the worker gets a backbone: the config alone (random init of a GPT-2 preset needs no
 * download), or weights from the site's own models/<name>/manifest.json (relative to its base), falling back to
 * the Hugging Face hub.
 */
import { GPT2_PRESETS, type Gpt2Config, type Gpt2PresetName } from '../weights/gpt2-checkpoint';
import { loadGpt2Weights, openBrowserWeightCache, type LoadProgress } from '../weights/load';
import type { TensorMap } from '../engine/tensors';
import { siteUrl } from './site-url';
import { loadLocalModel } from './local-models';
import { LOCAL_MODEL_ID } from './pretrain-protocol';

export interface ModelSource {
  label: string;
  config: Gpt2Config;
  tensors?: TensorMap;
  /** sha256 of the checkpoint file the weights came from, where the manifest records it. */
  sourceSha256?: string;
  warnings: string[];
}

export async function loadModelSource(model: string, needWeights: boolean, onProgress: (p: LoadProgress) => void, signal: AbortSignal): Promise<ModelSource> {
  if (model === LOCAL_MODEL_ID) return { label: `${model} (this browser's Pretrain panel)`, ...(await loadLocalModel(model)), warnings: [] };
  const preset = model in GPT2_PRESETS ? GPT2_PRESETS[model as Gpt2PresetName] : undefined;
  if (!needWeights && preset) return { label: `${model} (config only)`, config: preset, warnings: [] };
  const loaded = await loadGpt2Weights(
    { manifestUrl: siteUrl(`models/${encodeURIComponent(model)}/manifest.json`), hub: preset ? { repo: model } : undefined },
    { cache: await openBrowserWeightCache(), signal, onProgress, expectedConfig: preset, baseUrl: self.location.href },
  );
  return { label: model, config: loaded.config, tensors: loaded.tensors, sourceSha256: loaded.sourceSha256, warnings: loaded.warnings };
}
