/**
 * GPT-2 architecture settings: parsing a Hugging Face config.json, the standard sizes, and the
 * backbone tensors (names and shapes) a config implies.
 */
import { z } from 'zod';
import { CheckpointError } from './checkpoint-error';
import { quote } from './errors';

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

const TANH_GELU_NAMES = ['gelu_new', 'gelu_pytorch_tanh'] as const;

/**
 * Sane bounds on a config's sizes, checked before anything is sized from them (a config claiming
 * n_layer 1e9 must not make the loader list a billion layers). GPT-2 XL, the largest, has 48 layers,
 * n_embd 1600, 25 heads and 1024 positions; these leave ample room for other GPT-2-shaped models.
 */
export const GPT2_CONFIG_LIMITS = { n_layer: 256, n_embd: 16384, n_head: 1024, n_positions: 65536 } as const;

const sizeField = (key: string, max: number) =>
  z
    .number({ error: (issue) => `${key} is ${quote(issue.input)}, expected a positive integer` })
    .int({ error: (issue) => `${key} is ${quote(issue.input)}, expected a positive integer` })
    .positive({ error: (issue) => `${key} is ${quote(issue.input)}, expected a positive integer` })
    .max(max, {
      error: (issue) => `${key} is ${quote(issue.input)}, more than the ${max} this app accepts (not a GPT-2 config, or a damaged one)`,
    });

/**
 * A Hugging Face GPT-2 config.json (the keys FPT reads; others are kept and ignored). n_ctx stands in
 * for n_positions in old configs. The result is the engine's Gpt2Config.
 */
export const Gpt2ConfigJsonSchema = z
  .looseObject({
    model_type: z.literal('gpt2', { error: (issue) => `model_type is ${quote(issue.input)}, not "gpt2": only GPT-2 checkpoints are supported` }).optional(),
    n_layer: sizeField('n_layer', GPT2_CONFIG_LIMITS.n_layer),
    n_embd: sizeField('n_embd', GPT2_CONFIG_LIMITS.n_embd),
    n_head: sizeField('n_head', GPT2_CONFIG_LIMITS.n_head),
    n_positions: sizeField('n_positions', GPT2_CONFIG_LIMITS.n_positions).optional(),
    n_ctx: z.unknown().optional(),
    layer_norm_epsilon: z
      .number({ error: (issue) => `layer_norm_epsilon ${quote(issue.input)} is not a positive number` })
      .positive({ error: (issue) => `layer_norm_epsilon ${quote(issue.input)} is not a positive number` })
      .max(1, { error: (issue) => `layer_norm_epsilon ${quote(issue.input)} is not a positive number below 1` })
      .default(1e-5),
    activation_function: z
      .enum(TANH_GELU_NAMES, { error: (issue) => `activation_function ${quote(issue.input)} is not supported (only gelu_new, the tanh GELU)` })
      .default('gelu_new'),
  })
  .transform((raw, context): Gpt2Config => {
    let nPositions = raw.n_positions;
    if (nPositions === undefined) {
      const fallback = sizeField('n_ctx', GPT2_CONFIG_LIMITS.n_positions).safeParse(raw.n_ctx);
      if (!fallback.success) {
        const message = raw.n_ctx === undefined ? 'n_positions (or n_ctx) is missing, expected a positive integer' : fallback.error.issues[0].message;
        context.addIssue({ code: 'custom', message, input: raw.n_ctx });
        return z.NEVER;
      }
      nPositions = fallback.data;
    }
    if (raw.n_embd % raw.n_head !== 0) {
      context.addIssue({ code: 'custom', message: `n_embd ${raw.n_embd} is not divisible by n_head ${raw.n_head}: not a valid GPT-2 config`, input: raw });
      return z.NEVER;
    }
    return { nLayer: raw.n_layer, nEmbd: raw.n_embd, nHead: raw.n_head, nPositions, layerNormEps: raw.layer_norm_epsilon, activation: 'gelu_new' };
  });

/** Reads HF keys (n_layer, n_embd, n_head, n_positions or n_ctx, layer_norm_epsilon, activation_function). */
export function parseGpt2Config(json: unknown, source = 'config.json'): Gpt2Config {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new CheckpointError(source, 'config is not a JSON object');
  }
  const parsed = Gpt2ConfigJsonSchema.safeParse(json);
  // Messages name their key themselves ("n_layer is 1e9, …"), so the path is left out.
  if (!parsed.success) throw new CheckpointError(source, parsed.error.issues.map((issue) => issue.message).join('; '));
  return parsed.data;
}

/**
 * Refuses a config that claims more layers than the checkpoint holds, before anything is sized from
 * the config: `names` are the checkpoint's tensor names (`h.N.…`, with or without `transformer.`).
 */
export function checkLayerCount(config: Gpt2Config, names: Iterable<string>, source: string): void {
  let layers = 0;
  for (const name of names) {
    const match = /^(?:transformer\.)?h\.(\d+)\./.exec(name);
    if (match !== null) layers = Math.max(layers, Number(match[1]) + 1);
  }
  if (config.nLayer > layers) {
    const held = layers === 0 ? 'no layers (no h.N tensors)' : `${layers} layer${layers === 1 ? '' : 's'} (h.0 to h.${layers - 1})`;
    throw new CheckpointError(source, `the config says n_layer ${config.nLayer}, but the weights hold ${held}: config and weights do not match`);
  }
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

/** Hugging Face's GPT2LMHeadModel stores the body's tensors under this prefix; GPT2Model and our shards without. */
export const HF_KEY_PREFIX = 'transformer.';

/** The stored tensor that provides a canonical GPT-2 name (`h.0.ln_1.weight`), with or without HF_KEY_PREFIX. */
export function locateTensor<T>(tensors: ReadonlyMap<string, T>, name: string): T | undefined {
  return tensors.get(name) ?? tensors.get(HF_KEY_PREFIX + name);
}

/** A stored tensor's canonical name: HF_KEY_PREFIX removed. */
export function canonicalTensorName(storedName: string): string {
  return storedName.startsWith(HF_KEY_PREFIX) ? storedName.slice(HF_KEY_PREFIX.length) : storedName;
}
