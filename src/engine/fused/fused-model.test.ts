import { describe, expect, it } from 'vitest';
import { ALL_GROUPS, FPT_DEFAULT_GROUPS, type GroupName } from '../groups';
import { initAdapters } from '../init';
import { countDispatches } from '../testing/dispatch-counter';
import { float16BitsToFloat32, float32ToFloat16Bits } from '../../weights/float16';
import { FptModel, type FptOptions } from '../model';
import { Rng } from '../rng';
import type { TensorMap } from '../tensors';
import { loadTinyCheckpoint, useBackend } from '../test-support';
import { tf } from '../tf';
import { trainableGradients } from '../train/step';
import { createTask } from '../tasks';
import { Trainer } from '../train/trainer';

const HEAD = { input: { kind: 'vector' as const, dim: 3 }, seqLen: 11, outputTokens: 2, labelsPerToken: 1, classes: 4 };
const B = 3;

function batch(): { x: tf.Tensor3D; y: tf.Tensor1D } {
  const rng = new Rng(11);
  const x = tf.tensor3d(
    Float32Array.from({ length: B * HEAD.seqLen * 3 }, () => rng.normal()),
    [B, HEAD.seqLen, 3],
  );
  const y = tf.tensor1d(
    Int32Array.from({ length: B * HEAD.outputTokens }, (_, i) => i % HEAD.classes),
    'int32',
  );
  return { x, y };
}

async function model(groups: readonly GroupName[], options: FptOptions, round = false): Promise<FptModel> {
  const { config, tensors } = await loadTinyCheckpoint();
  let backbone: TensorMap = tensors;
  if (round) backbone = new Map([...tensors].map(([n, t]) => [n, { shape: t.shape, data: t.data.map((v) => float16BitsToFloat32(float32ToFloat16Bits(v))) }]));
  const adapters = initAdapters(HEAD.input, config.nEmbd, HEAD.classes, new Rng(4));
  return new FptModel(config, HEAD, backbone, adapters, 0, groups, options);
}

function worstRelative(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 1e-6;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / scale);
  return worst;
}

async function compare(fused: FptModel, composite: FptModel): Promise<void> {
  const { x, y } = batch();
  const f = fused.forward(x, { training: false, attentionLayer: 1 });
  const c = composite.forward(x, { training: false, attentionLayer: 1 });
  expect(worstRelative(await f.logits.data(), await c.logits.data())).toBeLessThan(1e-5);
  expect(worstRelative(await f.lastHidden.data(), await c.lastHidden.data())).toBeLessThan(1e-5);
  expect(worstRelative(await f.attention!.data(), await c.attention!.data())).toBeLessThan(1e-5);
  const gf = trainableGradients(fused, x, y, 0);
  const gc = trainableGradients(composite, x, y, 0);
  expect([...gf.grads.keys()].sort()).toEqual([...gc.grads.keys()].sort());
  expect((await gf.loss.data())[0]).toBeCloseTo((await gc.loss.data())[0], 5);
  for (const [name, g] of gc.grads) expect(worstRelative(await gf.grads.get(name)!.data(), await g.data()), name).toBeLessThan(2e-5);
}

describe.each(['cpu', 'webgpu'] as const)('fused GPT-2 body on %s', (backend) => {
  it('matches the composite body: forward, attention map, gradients (FPT groups)', async () => {
    await useBackend(backend);
    await compare(await model(FPT_DEFAULT_GROUPS, { fused: true }), await model(FPT_DEFAULT_GROUPS, { fused: false }));
  });

  it('matches with every group trainable, and with recomputation', async () => {
    await useBackend(backend);
    await compare(await model(ALL_GROUPS, { fused: true, recompute: true }), await model(ALL_GROUPS, { fused: false }));
  });
});

describe('fused GPT-2 body on webgpu, frozen weights packed as fp16', () => {
  it('stores 2 bytes per frozen matrix value, computes the same, and unpacks exactly when a group trains', async () => {
    await useBackend('webgpu');
    const packed = await model(FPT_DEFAULT_GROUPS, { fused: true, frozenWeights: 'fp16' }, true);
    const reference = await model(FPT_DEFAULT_GROUPS, { fused: false }, true);
    const { config } = await loadTinyCheckpoint();
    const matrixValues = config.nLayer * (config.nEmbd * 3 * config.nEmbd + config.nEmbd * config.nEmbd + 2 * config.nEmbd * 4 * config.nEmbd);
    expect(packed.packedBytes).toBe(2 * matrixValues);
    expect(packed.params.has('h.0.attn.c_attn.weight')).toBe(false);
    await compare(packed, reference);

    packed.setTrainableGroups(ALL_GROUPS);
    reference.setTrainableGroups(ALL_GROUPS);
    expect(packed.packedBytes).toBe(0);
    const unpacked = (await packed.params.get('h.1.mlp.c_fc.weight')!.data()) as Float32Array;
    expect(Array.from(unpacked)).toEqual(Array.from((await reference.params.get('h.1.mlp.c_fc.weight')!.data()) as Float32Array));
    await compare(packed, reference);
  });

  /** Dispatches one more block adds to a training forward + backward with these groups trainable. */
  async function dispatchesPerBlock(groups: readonly GroupName[]): Promise<number> {
    await useBackend('webgpu');
    const { x, y } = batch();
    const fused = await model(groups, { fused: true });
    const count = async (layers: number) => {
      const m = fused as unknown as { config: { nLayer: number } };
      const saved = m.config.nLayer;
      m.config = { ...m.config, nLayer: layers };
      const { dispatches } = await countDispatches(async () => {
        const { loss, grads } = trainableGradients(fused, x, y, 7);
        await loss.data();
        for (const g of grads.values()) await g.data();
        return 0;
      });
      m.config = { ...m.config, nLayer: saved };
      return dispatches;
    };
    return (await count(2)) - (await count(1));
  }

  it('costs 16 dispatches per block for a training forward + backward with the FPT groups', async () => {
    // 7 forward; backward 9: dPre, dm, LN2 input, LN2 parameters, dCtx, attention, da, LN1 input, LN1 parameters.
    expect(await dispatchesPerBlock(FPT_DEFAULT_GROUPS)).toBe(16);
  });

  it('costs 26 dispatches per block with every group trainable', async () => {
    // The 16 above, and per sub-layer: its LN recomputed, dW1, dW2, and the two bias gradients as one
    // column-sum dispatch each (tf.sum over the rows would be a transpose and a reduction: 30).
    expect(await dispatchesPerBlock(ALL_GROUPS)).toBe(26);
  });
});

describe('the Trainer on webgpu', () => {
  it('runs the fused body by default and holds no more tensors after more steps, evaluations and attention maps', async () => {
    await useBackend('webgpu');
    const { config, tensors } = await loadTinyCheckpoint();
    const trainer = new Trainer(await createTask('bit-xor'), config, 'random', { batchSize: 4, evalBatches: 1, seed: 1, lr: 3e-3 }, tensors);
    expect((trainer.model as FptModel).fused).toBe(true);
    await trainer.step();
    await trainer.step();
    const held = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await trainer.step();
    await trainer.evaluate();
    await trainer.attention(1);
    expect(tf.memory().numTensors).toBe(held);
    trainer.dispose();
  });
});
