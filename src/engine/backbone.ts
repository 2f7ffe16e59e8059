/** The frozen body's weights for each of the paper's initialisations. */
import { gpt2TensorShapes, type Gpt2Config } from '../weights/gpt2-checkpoint';
import { randomBackbone, statisticsBackbone, type RandomInit } from './init';
import { deriveSeed, Rng } from './rng';
import type { TensorMap } from './tensors';

export type BackboneInit = 'pretrained' | 'random' | 'statistics';

export const BACKBONE_INITS: readonly BackboneInit[] = ['pretrained', 'random', 'statistics'];

/** The LSTM baseline's body (src/engine/lstm.ts); width defaults to 768, layers to 3 (docs/fpt-spec.md). */
export interface LstmBody {
  kind: 'lstm';
  width?: number;
  layers?: number;
}

/** What a Trainer puts under the adapters: a GPT-2 body (by its initialisation) or the LSTM baseline. */
export type BodySpec = BackboneInit | LstmBody;

export function describeBody(body: BodySpec): string {
  return typeof body === 'string' ? body : `lstm (${body.layers ?? 3} layers × ${body.width ?? 768})`;
}

/**
 * `pretrained` uses the checkpoint as is; `random` needs only the config (the offline default);
 * `statistics` draws each tensor with its pretrained twin's mean and std. Random draws are seeded;
 * `randomInit` picks the random scheme (init.ts: the paper's N(0, 0.02) everywhere, or HF's scaled c_proj).
 */
export function buildBackbone(init: BackboneInit, config: Gpt2Config, seed: number, pretrained?: TensorMap, randomInit: RandomInit = 'paper'): TensorMap {
  const rng = new Rng(deriveSeed(seed, `backbone-${init}`));
  switch (init) {
    case 'random':
      return randomBackbone(gpt2TensorShapes(config), config.nLayer, rng, randomInit);
    case 'pretrained':
    case 'statistics':
      if (!pretrained) throw new Error(`the ${init} backbone needs a checkpoint's weights, and none was loaded`);
      return init === 'pretrained' ? pretrained : statisticsBackbone(pretrained, rng);
  }
}
