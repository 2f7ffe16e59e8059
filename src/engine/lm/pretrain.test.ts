import { describe, expect, it } from 'vitest';
import { useBackend } from '../test-support';
import { tf } from '../tf';
import { Adam, PAPER_ADAM } from '../train/adam';
import { clipByGlobalNorm } from '../train/clip';
import { trainableGradients } from '../train/step';
import { sampleWindows, splitText } from './corpus';
import { CausalLm, initLmTensors, lmConfig } from './language-model';
import { learningRate, LmTrainer, type PretrainSettings } from './pretrain';

const config = lmConfig({ layers: 1, width: 16, heads: 2, positions: 16 });
const corpus = splitText('fox.txt', Array.from({ length: 40 }, (_, i) => `Line ${i}: the quick brown fox jumps over the lazy dog.`).join('\n'));
const STEPS = 4;

/** The pretraining step as it was before it took the Trainer's step: clip.ts, then Adam.apply (the composite ops). */
async function compositeRun(s: PretrainSettings): Promise<{ params: Record<string, number[]>; norms: number[] }> {
  const model = new CausalLm(config, initLmTensors(config, 0), s.context);
  const adam = new Adam({ ...PAPER_ADAM, lr: s.lr });
  const norms: number[] = [];
  for (let step = 0; step < STEPS; step++) {
    const { x, labels } = sampleWindows(corpus.train, s.batch, s.context, s.seed, step);
    adam.options.lr = learningRate(s, step);
    const norm = tf.tidy(() => {
      const { grads } = trainableGradients(model, tf.tensor2d(x, [s.batch, s.context], 'int32'), tf.tensor1d(labels, 'int32'), step);
      const clipped = clipByGlobalNorm(grads, s.maxGradNorm);
      adam.apply(model.params, clipped.clipped);
      return clipped.norm;
    });
    norms.push((await norm.data())[0]);
    norm.dispose();
  }
  const params = Object.fromEntries([...model.params].map(([name, p]) => [name, Array.from(p.dataSync())]));
  model.dispose();
  adam.dispose();
  return { params, norms };
}

async function pretrainerRun(s: PretrainSettings): Promise<Record<string, number[]>> {
  const trainer = new LmTrainer(config, initLmTensors(config, 0), corpus, s);
  for (let step = 0; step < STEPS; step++) await trainer.step(step);
  const params = Object.fromEntries([...trainer.model.params].map(([name, p]) => [name, Array.from(p.dataSync())]));
  trainer.dispose();
  return params;
}

describe('the pretraining step on wasm (FusedAdam: one host loop for clip + Adam)', () => {
  const settings = (maxGradNorm: number): PretrainSettings => ({ context: 12, batch: 4, steps: 20, lr: 3e-3, warmup: 2, seed: 1, maxGradNorm, evalWindows: 2 });

  it('gives the composite clip + Adam parameters bit for bit where clipping does not bite', async () => {
    await useBackend('wasm');
    const s = settings(1e6);
    const reference = await compositeRun(s);
    expect(Math.max(...reference.norms)).toBeLessThan(s.maxGradNorm);
    const fused = await pretrainerRun(s);
    expect(Object.keys(fused).sort()).toEqual(Object.keys(reference.params).sort());
    for (const name of Object.keys(fused)) expect(fused[name], name).toEqual(reference.params[name]);
    const init = initLmTensors(config, 0);
    expect(fused['h.0.mlp.c_fc.weight']).not.toEqual(Array.from(init.get('h.0.mlp.c_fc.weight')!.data)); // it trained
  });

  it('agrees within float rounding where clipping bites (the norm is summed in double on the host, in float32 by the composite ops)', async () => {
    await useBackend('wasm');
    const s = settings(0.05);
    const reference = await compositeRun(s);
    expect(Math.min(...reference.norms)).toBeGreaterThan(s.maxGradNorm); // clipped on every step
    const fused = await pretrainerRun(s);
    let worst = 0;
    for (const name of Object.keys(fused))
      for (let i = 0; i < fused[name].length; i++) worst = Math.max(worst, Math.abs(fused[name][i] - reference.params[name][i]));
    // A one-ulp difference in the clip coefficient scales g, m and √v alike: Adam's m/√v barely moves (only through eps).
    expect(worst).toBeLessThan(1e-6);
  });
});
