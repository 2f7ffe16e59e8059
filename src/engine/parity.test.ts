import { describe, expect, it } from 'vitest';
import type { BackendName } from './backend';
import { hostAttentionTuning } from './host-kernels';
import { initialAdapters, runParity } from './parity';
import { loadGolden, loadTinyCheckpoint, useBackend } from './test-support';

const golden = loadGolden();

describe.each<[BackendName, boolean]>([
  ['cpu', false],
  ['wasm', false],
  ['webgpu', false],
  ['webgpu', true],
])('golden parity on %s (fused kernels: %s)', (backend, fused) => {
  it('matches PyTorch float64 on all four cases: forward, attention, gradients, one Adam step', async () => {
    await useBackend(backend);
    const { config, tensors } = await loadTinyCheckpoint();
    const report = await runParity(config, tensors, golden, { fused });
    expect(report.cases.map((c) => c.name)).toEqual(['classify-fpt', 'bitxor-fpt', 'classify-output-only', 'classify-all']);
    for (const c of report.cases) {
      const failures = c.quantities.filter((q) => !q.ok).map((q) => `${q.quantity}: ${q.maxAbsError}`);
      expect(failures, `${backend} fused=${fused} ${c.name}`).toEqual([]);
    }
    // Every golden gradient was compared, and the everything-trainable case really trained attention and MLP.
    const all = report.cases.find((c) => c.name === 'classify-all')!;
    expect(all.quantities.filter((q) => q.quantity.startsWith('grad ')).length).toBe(Object.keys(golden.cases[3].grads).length);
    expect(all.quantities.some((q) => q.quantity === 'grad h.1.mlp.c_proj.weight')).toBe(true);
    expect(report.ok).toBe(true);
  });
});

describe('golden parity on wasm, attention on the backend path at every length', () => {
  it('matches PyTorch float64 on all four cases with the JavaScript loops switched off (T ≤ 12 here)', async () => {
    await useBackend('wasm');
    const { config, tensors } = await loadTinyCheckpoint();
    const saved = hostAttentionTuning.loopMaxT;
    hostAttentionTuning.loopMaxT = 0;
    try {
      const report = await runParity(config, tensors, golden, { fused: false });
      for (const c of report.cases)
        expect(
          c.quantities.filter((q) => !q.ok).map((q) => `${q.quantity}: ${q.maxAbsError}`),
          c.name,
        ).toEqual([]);
      expect(report.cases.length).toBe(4);
      expect(report.ok).toBe(true);
    } finally {
      hostAttentionTuning.loopMaxT = saved;
    }
  });
});

describe('golden adapter initial values', () => {
  it('are recovered from the stored post-step values by undoing exactly one Adam step', () => {
    const c = golden.cases[0];
    const init = initialAdapters(c);
    const after = c.after_one_adam_step.params['out.bias'].data;
    const before = init.get('out.bias')!.data;
    // Adam's first step moves each element by almost exactly lr (the gradient is far above eps).
    for (let i = 0; i < before.length; i++) expect(Math.abs(before[i] - after[i])).toBeCloseTo(1e-3, 6);
    // Frozen adapters (output-only case: the input layer) were stored untouched and are used as is.
    const frozen = golden.cases[2];
    expect(Array.from(initialAdapters(frozen).get('in.weight')!.data)).toEqual(Array.from(Float32Array.from(frozen.init['in.weight'].data)));
  });
});
