/**
 * A causal language model on GPT-2's architecture, trained by the same engine as the FPT: the GPT-2
 * body of model.ts (composite or fused) with a token table `wte.weight` [V, d] as its input adapter,
 * tied to the output layer, exactly as GPT2LMHeadModel:
 *
 *   h_0 = wte[ids] + wpe[0..T)        (ids [B, T] int32)
 *   h   = ln_f(blocks(h_0))           [B·T, d], every position
 *   logits = h · wteᵀ                 [B·T, V]  (no output bias)
 *   loss = mean over positions of −log softmax(logits)[next id]
 *
 * Parameters carry GPT-2's own names (wte, wpe, h.N.*, ln_f.*), so checkpoint.ts writes a Hugging
 * Face checkpoint from them as they are. `wte.weight` is in the `input` group (groups.ts).
 */
import { gpt2TensorShapes, type Gpt2Config } from '../../weights/gpt2-checkpoint';
import { countByGroup, type GroupCount, type HeadSpec } from '../adapted-model';
import { randomBackbone } from '../init';
import { ALL_GROUPS, type GroupName } from '../groups';
import { FptModel, type FptOptions } from '../model';
import { Rng, deriveSeed } from '../rng';
import type { TensorMap } from '../tensors';
import { tf } from '../tf';
import { BYTE_VOCAB_SIZE } from './tokenizer';

export interface LmShape {
  layers: number;
  width: number;
  heads: number;
  /**
   * Position table rows (n_positions), at least the training context. Rows past the context keep
   * their initial values; they are there so FPT tasks longer than the context (ListOps: 512 tokens)
   * can run on the model with trainable positions.
   */
  positions: number;
}

export function lmConfig(shape: LmShape): Gpt2Config {
  if (shape.width % shape.heads !== 0) throw new Error(`width ${shape.width} is not divisible by heads ${shape.heads}`);
  return { nLayer: shape.layers, nEmbd: shape.width, nHead: shape.heads, nPositions: shape.positions, layerNormEps: 1e-5, activation: 'gelu_new' };
}

/** Every tensor of the language model: the token table, then the GPT-2 body (gpt2TensorShapes). */
export function lmTensorShapes(config: Gpt2Config, vocabSize = BYTE_VOCAB_SIZE): { name: string; shape: number[] }[] {
  return [{ name: 'wte.weight', shape: [vocabSize, config.nEmbd] }, ...gpt2TensorShapes(config)];
}

/** Hugging Face's GPT-2 init (init.ts; the token table like every other weight, N(0, 0.02)), seeded. */
export function initLmTensors(config: Gpt2Config, seed: number, vocabSize = BYTE_VOCAB_SIZE): TensorMap {
  return randomBackbone(lmTensorShapes(config, vocabSize), config.nLayer, new Rng(deriveSeed(seed, 'lm-init')), 'hf-scaled');
}

export class CausalLm extends FptModel {
  readonly vocabSize: number;

  /** `tensors`: wte.weight and every GPT-2 body tensor; `context` ≤ n_positions is the T it runs at. */
  constructor(
    config: Gpt2Config,
    tensors: TensorMap,
    context = config.nPositions,
    dropout = 0,
    groups: readonly GroupName[] = ALL_GROUPS,
    options: FptOptions = {},
  ) {
    const wte = tensors.get('wte.weight');
    if (!wte) throw new Error('a language model needs its token table wte.weight');
    const vocabSize = wte.shape[0];
    const head: HeadSpec = { input: { kind: 'tokens', vocabSize }, seqLen: context, outputTokens: context, labelsPerToken: 1, classes: vocabSize };
    super(config, head, tensors, new Map(), dropout, groups, options);
    this.vocabSize = vocabSize;
  }

  /** The token table replaces the FPT's input adapter. */
  protected override embed(x: tf.Tensor): tf.Tensor2D {
    const [B, T] = x.shape;
    return tf.gather(this.p('wte.weight'), tf.reshape(tf.cast(x, 'int32'), [B * T])) as tf.Tensor2D;
  }

  /** The tied output layer: features [N, d] · wteᵀ → logits [N, V]. */
  override headLogits(features: tf.Tensor2D): tf.Tensor2D {
    return tf.matMul(features, this.p('wte.weight'), false, true) as tf.Tensor2D;
  }

  override countParams(): GroupCount[] {
    return countByGroup(lmTensorShapes(this.config, this.vocabSize), this.head.seqLen, this.groups);
  }

  /** Every parameter's current values, by GPT-2 name. */
  async tensors(): Promise<TensorMap> {
    const out: TensorMap = new Map();
    for (const [name, v] of this.params) out.set(name, { shape: v.shape, data: (await v.data()) as Float32Array });
    return out;
  }

  /**
   * Greedy continuation: appends the most likely next byte `count` times, each time reading the last
   * `context` bytes. A shorter window is right-padded and the prediction read at its last real
   * position: attention is causal, so the padding after it changes nothing there.
   */
  greedy(prompt: ArrayLike<number>, count: number): number[] {
    const T = this.head.seqLen;
    const ids = Array.from(prompt);
    if (ids.length === 0) throw new Error('the prompt is empty');
    for (let n = 0; n < count; n++) {
      const window = ids.slice(-T);
      const at = window.length - 1;
      const padded = Int32Array.from({ length: T }, (_, i) => (i < window.length ? window[i] : 0));
      const next = tf.tidy(() => {
        const logits = this.forward(tf.tensor2d(padded, [1, T], 'int32'), { training: false }).logits;
        return tf.argMax(tf.slice(logits, [at, 0], [1, this.vocabSize]), 1);
      });
      ids.push((next.dataSync() as Int32Array)[0]);
      next.dispose();
    }
    return ids.slice(prompt.length);
  }
}
