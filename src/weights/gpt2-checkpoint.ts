/**
 * Turns a Hugging Face GPT-2 checkpoint (config.json + model.safetensors bytes) into the backbone
 * tensors FPT needs, as float32, keyed by canonical names without the `transformer.` prefix.
 */
import { CheckpointError } from './checkpoint-error';
import { canonicalTensorName, checkLayerCount, gpt2TensorShapes, parseGpt2Config, type Gpt2Config } from './gpt2-config';
import { requireFinite, SafetensorsFile, type SafetensorsHeader, type SafetensorsTensorInfo } from './safetensors';

export { GPT2_PRESETS, gpt2TensorShapes, parseGpt2Config } from './gpt2-config';
export type { Gpt2Activation, Gpt2Config, Gpt2PresetName, Gpt2TensorSpec } from './gpt2-config';

export interface BackboneTensor {
  shape: number[];
  data: Float32Array;
}

export type BackboneTensors = Map<string, BackboneTensor>;

export interface Gpt2Checkpoint {
  config: Gpt2Config;
  tensors: BackboneTensors;
}

const LAYER_INDEX = /^h\.(\d+)\./;
// Causal-mask buffers, the token table FPT never uses, and the tied LM head.
const IGNORED_NAME = /^(h\.\d+\.attn\.(bias|masked_bias)|wte\.weight|lm_head\..*)$/;

export function loadGpt2Checkpoint(configJson: unknown, weights: Uint8Array | ArrayBuffer, source: string, configSource = 'config.json'): Gpt2Checkpoint {
  const config = parseGpt2Config(configJson, configSource);
  const tensors = extractGpt2Tensors(new SafetensorsFile(weights, source), config);
  return { config, tensors };
}

/** Decodes only the backbone tensors; skipped ones (wte, mask buffers) are never touched. */
export function extractGpt2Tensors(file: SafetensorsFile, config: Gpt2Config): BackboneTensors {
  const tensors: BackboneTensors = new Map();
  for (const { name, stored } of locateGpt2Tensors(file.header, config)) {
    const data = file.read(stored.name);
    requireFinite(data, file.source, stored.name);
    tensors.set(name, { shape: [...stored.shape], data });
  }
  return tensors;
}

/**
 * Which stored tensor provides each backbone tensor (canonical name, gpt2TensorShapes order), after
 * checking the config against the checkpoint's layers and every tensor's presence and shape. Reads
 * no tensor data, so a reader can fetch just those tensors (Node reads a large file in pieces).
 */
export function locateGpt2Tensors(
  header: Pick<SafetensorsHeader, 'source' | 'tensors'>,
  config: Gpt2Config,
): { name: string; stored: SafetensorsTensorInfo }[] {
  checkLayerCount(config, header.tensors.keys(), header.source);
  const storedNames = canonicalNameIndex(header, config);
  return gpt2TensorShapes(config).map(({ name, shape }) => {
    const storedName = storedNames.get(name);
    if (storedName === undefined) {
      throw new CheckpointError(header.source, `missing from the checkpoint (expected shape [${shape.join(', ')}])`, name);
    }
    const stored = header.tensors.get(storedName)!;
    if (!sameShape(stored.shape, shape)) {
      throw new CheckpointError(header.source, `wrong shape: expected [${shape.join(', ')}], got [${stored.shape.join(', ')}]`, storedName);
    }
    return { name, stored };
  });
}

/** canonical name -> name as stored in the file. */
function canonicalNameIndex(header: Pick<SafetensorsHeader, 'source' | 'tensors'>, config: Gpt2Config): Map<string, string> {
  const index = new Map<string, string>();
  for (const storedName of header.tensors.keys()) {
    const name = canonicalTensorName(storedName);
    if (IGNORED_NAME.test(name)) continue;
    const layer = LAYER_INDEX.exec(name);
    if (layer !== null && Number(layer[1]) >= config.nLayer) {
      throw new CheckpointError(
        header.source,
        `belongs to layer ${layer[1]} but the config has n_layer ${config.nLayer} (config and weights do not match)`,
        storedName,
      );
    }
    const previous = index.get(name);
    if (previous !== undefined) {
      throw new CheckpointError(header.source, `stored twice, also as "${previous}"`, storedName);
    }
    index.set(name, storedName);
  }
  return index;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((size, i) => size === b[i]);
}
