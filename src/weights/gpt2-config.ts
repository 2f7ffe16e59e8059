/**
 * GPT-2 architecture settings: parsing a Hugging Face config.json, the standard sizes, and the
 * backbone tensors (names and shapes) a config implies.
 */
import { CheckpointError } from './checkpoint-error';

/** Only the tanh approximation exists in the engine; HF spells it two ways. */
export type Gpt2Activation = 'gelu_new';

export interface Gpt2Config {
  nLayer: number;
  nEmbd: number;
  nHead: number;
  nPositions: number;
  layerNormEps: number;
  activation: Gpt2Activation;
}

function preset(nLayer: number, nEmbd: number, nHead: number): Gpt2Config {
  return { nLayer, nEmbd, nHead, nPositions: 1024, layerNormEps: 1e-5, activation: 'gelu_new' };
}

export const GPT2_PRESETS = {
  gpt2: preset(12, 768, 12),
  'gpt2-medium': preset(24, 1024, 16),
  'gpt2-large': preset(36, 1280, 20),
} as const satisfies Record<string, Gpt2Config>;

export type Gpt2PresetName = keyof typeof GPT2_PRESETS;

const TANH_GELU_NAMES = new Set(['gelu_new', 'gelu_pytorch_tanh']);

/** Reads HF keys (n_layer, n_embd, n_head, n_positions or n_ctx, layer_norm_epsilon, activation_function). */
export function parseGpt2Config(json: unknown, source = 'config.json'): Gpt2Config {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new CheckpointError(source, 'config is not a JSON object');
  }
  const raw = json as Record<string, unknown>;
  if (raw.model_type !== undefined && raw.model_type !== 'gpt2') {
    throw new CheckpointError(source, `model_type is ${JSON.stringify(raw.model_type)}, not "gpt2": only GPT-2 checkpoints are supported`);
  }
  const nLayer = positiveInteger(raw, 'n_layer', source);
  const nEmbd = positiveInteger(raw, 'n_embd', source);
  const nHead = positiveInteger(raw, 'n_head', source);
  const nPositions = positiveInteger(raw, raw.n_positions === undefined ? 'n_ctx' : 'n_positions', source);
  if (nEmbd % nHead !== 0) {
    throw new CheckpointError(source, `n_embd ${nEmbd} is not divisible by n_head ${nHead}: not a valid GPT-2 config`);
  }
  const layerNormEps = raw.layer_norm_epsilon ?? 1e-5;
  if (typeof layerNormEps !== 'number' || !(layerNormEps > 0)) {
    throw new CheckpointError(source, `layer_norm_epsilon ${JSON.stringify(layerNormEps)} is not a positive number`);
  }
  const activation = raw.activation_function ?? 'gelu_new';
  if (typeof activation !== 'string' || !TANH_GELU_NAMES.has(activation)) {
    throw new CheckpointError(source, `activation_function ${JSON.stringify(activation)} is not supported (only gelu_new, the tanh GELU)`);
  }
  return { nLayer, nEmbd, nHead, nPositions, layerNormEps, activation: 'gelu_new' };
}

function positiveInteger(raw: Record<string, unknown>, key: string, source: string): number {
  const value = raw[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new CheckpointError(source, `${key} is ${JSON.stringify(value)}, expected a positive integer`);
  }
  return value;
}

export interface Gpt2TensorSpec {
  name: string;
  shape: number[];
}

/**
 * Every backbone tensor a config implies, by canonical name (no `transformer.` prefix), in
 * checkpoint-independent order: wpe, then each block, then ln_f. Linear weights are [in, out].
 * The token table wte is deliberately absent: FPT feeds inputs_embeds.
 */
export function gpt2TensorShapes(config: Gpt2Config): Gpt2TensorSpec[] {
  const d = config.nEmbd;
  const specs: Gpt2TensorSpec[] = [{ name: 'wpe.weight', shape: [config.nPositions, d] }];
  for (let i = 0; i < config.nLayer; i++) {
    const block = `h.${i}`;
    specs.push(
      { name: `${block}.ln_1.weight`, shape: [d] },
      { name: `${block}.ln_1.bias`, shape: [d] },
      { name: `${block}.attn.c_attn.weight`, shape: [d, 3 * d] },
      { name: `${block}.attn.c_attn.bias`, shape: [3 * d] },
      { name: `${block}.attn.c_proj.weight`, shape: [d, d] },
      { name: `${block}.attn.c_proj.bias`, shape: [d] },
      { name: `${block}.ln_2.weight`, shape: [d] },
      { name: `${block}.ln_2.bias`, shape: [d] },
      { name: `${block}.mlp.c_fc.weight`, shape: [d, 4 * d] },
      { name: `${block}.mlp.c_fc.bias`, shape: [4 * d] },
      { name: `${block}.mlp.c_proj.weight`, shape: [4 * d, d] },
      { name: `${block}.mlp.c_proj.bias`, shape: [d] },
    );
  }
  specs.push({ name: 'ln_f.weight', shape: [d] }, { name: 'ln_f.bias', shape: [d] });
  return specs;
}
