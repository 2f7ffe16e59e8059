import { describe, expect, it } from 'vitest';
import { GPT2_PRESETS, gpt2TensorShapes } from '../weights/gpt2-checkpoint';
import { buildBackbone } from './backbone';
import { initAdapters, meanAndStd, orthogonal } from './init';
import { Rng } from './rng';
import { loadTinyCheckpoint } from './test-support';

const dot = (a: Float32Array, i: number, j: number, cols: number) => {
  let s = 0;
  for (let k = 0; k < cols; k++) s += a[i * cols + k] * a[j * cols + k];
  return s;
};

describe('initialisation', () => {
  it('orthogonal input weights have orthonormal rows scaled by the gain', () => {
    const w = orthogonal(16, 64, 1.41, new Rng(3));
    for (let i = 0; i < 16; i++) {
      for (let j = 0; j < 16; j++) expect(dot(w, i, j, 64)).toBeCloseTo(i === j ? 1.41 ** 2 : 0, 4);
    }
  });

  it('adapters: zero input bias, Embedding N(0,1) for tokens, output within ±1/sqrt(d)', () => {
    const vec = initAdapters({ kind: 'vector', dim: 1 }, 64, 2, new Rng(1));
    expect(vec.get('in.weight')!.shape).toEqual([1, 64]);
    // A single input row of an orthogonal matrix has norm exactly gain.
    expect(Math.sqrt(dot(vec.get('in.weight')!.data, 0, 0, 64))).toBeCloseTo(1.41, 5);
    expect(Array.from(vec.get('in.bias')!.data).every((v) => v === 0)).toBe(true);
    expect(Math.max(...vec.get('out.weight')!.data.map(Math.abs))).toBeLessThanOrEqual(1 / 8);
    const tok = initAdapters({ kind: 'tokens', vocabSize: 15 }, 256, 10, new Rng(1));
    expect(tok.has('in.bias')).toBe(false);
    const { mean, std } = meanAndStd(tok.get('in.weight')!.data);
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(std).toBeGreaterThan(0.95);
    expect(std).toBeLessThan(1.05);
  });

  it("random backbone: the paper's N(0, 0.02) for every weight by default, HF's scaled c_proj on request, seeded", () => {
    const config = { ...GPT2_PRESETS.gpt2, nLayer: 2, nPositions: 64 };
    const a = buildBackbone('random', config, 7);
    expect([...a.keys()]).toEqual(gpt2TensorShapes(config).map((s) => s.name));
    expect(meanAndStd(a.get('h.0.attn.c_attn.weight')!.data).std).toBeCloseTo(0.02, 3);
    expect(meanAndStd(a.get('h.1.mlp.c_proj.weight')!.data).std).toBeCloseTo(0.02, 3);
    expect(meanAndStd(a.get('h.0.attn.c_proj.weight')!.data).std).toBeCloseTo(0.02, 3);
    const hf = buildBackbone('random', config, 7, undefined, 'hf-scaled');
    expect(meanAndStd(hf.get('h.1.mlp.c_proj.weight')!.data).std).toBeCloseTo(0.02 / Math.sqrt(4), 3);
    expect(meanAndStd(hf.get('h.0.attn.c_proj.weight')!.data).std).toBeCloseTo(0.02 / Math.sqrt(4), 3);
    // Same stream: the scaled scheme is the paper's draw times 1/sqrt(2 n_layer) on c_proj, identical elsewhere.
    expect(hf.get('h.0.attn.c_proj.weight')!.data[5]).toBeCloseTo(a.get('h.0.attn.c_proj.weight')!.data[5] / 2, 7);
    expect(hf.get('h.0.mlp.c_fc.weight')!.data).toEqual(a.get('h.0.mlp.c_fc.weight')!.data);
    expect(Array.from(a.get('h.0.ln_1.weight')!.data).every((v) => v === 1)).toBe(true);
    expect(Array.from(a.get('h.0.mlp.c_fc.bias')!.data).every((v) => v === 0)).toBe(true);
    expect(buildBackbone('random', config, 7).get('wpe.weight')!.data).toEqual(a.get('wpe.weight')!.data);
    expect(buildBackbone('random', config, 8).get('wpe.weight')!.data).not.toEqual(a.get('wpe.weight')!.data);
  });

  it('statistics backbone draws each tensor with its pretrained mean and std', async () => {
    const { config, tensors } = await loadTinyCheckpoint();
    const stats = buildBackbone('statistics', config, 0, tensors);
    for (const name of ['wpe.weight', 'h.1.mlp.c_fc.weight']) {
      const src = meanAndStd(tensors.get(name)!.data);
      const got = meanAndStd(stats.get(name)!.data);
      expect(got.std / src.std).toBeGreaterThan(0.97);
      expect(got.std / src.std).toBeLessThan(1.03);
      expect(Math.abs(got.mean - src.mean)).toBeLessThan(0.05 * src.std);
      expect(stats.get(name)!.data).not.toEqual(tensors.get(name)!.data);
    }
    expect(() => buildBackbone('pretrained', config, 0)).toThrow(/needs a checkpoint/);
  });
});
