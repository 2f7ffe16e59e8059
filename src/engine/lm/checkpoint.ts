/**
 * The language model as a Hugging Face GPT-2 checkpoint: config.json (GPT2LMHeadModel, tied
 * embeddings, vocab_size 256 for the byte tokenizer) and model.safetensors (F32, GPT-2's own tensor
 * names without the `transformer.` prefix, wte included; no lm_head: it is wte). Pure: bytes in,
 * bytes out; the CLI writes them.
 */
import { parseGpt2Config, type Gpt2Config } from '../../weights/gpt2-config';
import { openSafetensors, writeSafetensors } from '../../weights/safetensors';
import type { TensorMap } from '../tensors';
import { lmTensorShapes } from './language-model';

export interface LmProvenance {
  tokenizer: string;
  corpus: string;
  context: number;
  steps: number;
  seed: number;
  heldOutBitsPerByte?: number;
}

export function lmConfigJson(config: Gpt2Config, vocabSize: number, provenance: LmProvenance): Record<string, unknown> {
  return {
    architectures: ['GPT2LMHeadModel'],
    model_type: 'gpt2',
    vocab_size: vocabSize,
    n_positions: config.nPositions,
    n_ctx: config.nPositions,
    n_embd: config.nEmbd,
    n_layer: config.nLayer,
    n_head: config.nHead,
    n_inner: null,
    activation_function: 'gelu_new',
    layer_norm_epsilon: config.layerNormEps,
    resid_pdrop: 0,
    embd_pdrop: 0,
    attn_pdrop: 0,
    initializer_range: 0.02,
    tie_word_embeddings: true,
    bos_token_id: 10,
    eos_token_id: 10,
    fpt_pretrain: provenance,
  };
}

/** model.safetensors bytes: every tensor of the model, F32, in lmTensorShapes order. */
export function lmSafetensors(config: Gpt2Config, tensors: TensorMap, metadata: Record<string, string> = {}): Uint8Array {
  const vocabSize = tensors.get('wte.weight')?.shape[0];
  if (vocabSize === undefined) throw new Error('the model has no wte.weight');
  const specs = lmTensorShapes(config, vocabSize);
  return writeSafetensors(
    specs.map(({ name, shape }) => {
      const t = tensors.get(name);
      if (!t) throw new Error(`the model has no ${name}`);
      if (t.shape.join() !== shape.join()) throw new Error(`${name} has shape [${t.shape}], the config implies [${shape}]`);
      return { name, dtype: 'F32' as const, shape, data: t.data };
    }),
    { format: 'pt', ...metadata },
  );
}

/** Reads back a checkpoint written by lmSafetensors (or any GPT-2 one with wte): config and every tensor. */
export function readLmCheckpoint(configJson: unknown, weights: Uint8Array, source: string): { config: Gpt2Config; vocabSize: number; tensors: TensorMap } {
  const config = parseGpt2Config(configJson, `${source}/config.json`);
  const file = openSafetensors(weights, `${source}/model.safetensors`);
  const wteName = file.names().find((n) => n === 'wte.weight' || n === 'transformer.wte.weight');
  if (!wteName) throw new Error(`${source}/model.safetensors has no token table wte.weight: not a language model checkpoint`);
  const vocabSize = file.info(wteName).shape[0];
  const tensors: TensorMap = new Map();
  for (const { name, shape } of lmTensorShapes(config, vocabSize)) {
    const stored = file.names().includes(name) ? name : `transformer.${name}`;
    if (!file.names().includes(stored)) throw new Error(`${source}/model.safetensors has no ${name}`);
    const info = file.info(stored);
    if (info.shape.join() !== shape.join()) throw new Error(`${source}/model.safetensors: ${name} has shape [${info.shape}], the config implies [${shape}]`);
    tensors.set(name, { shape, data: file.read(stored) });
  }
  return { config, vocabSize, tensors };
}
