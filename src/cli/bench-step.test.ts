import { describe, expect, it } from 'vitest';
import { useBackend } from '../engine/test-support';
import { countStepDispatches, STEP_CASES } from './bench-step';

// Deterministic counts (not timings): the kernels a GPT-2-small FPT train step dispatches, and the
// bytes it holds, do not depend on the machine. The GPU work itself is skipped (dry run).
describe('GPT-2-small FPT train step on webgpu, B=8 T=64 (issue 6 targets)', () => {
  it('fused: at most 400 dispatches, frozen weights within 180 MB, peak within 1 GB', async () => {
    await useBackend('webgpu');
    const gpt2Small = STEP_CASES.find((c) => c.name === 'gpt2-small B=8 T=64')!;
    const fused = await countStepDispatches(gpt2Small, 'fused');
    console.log(JSON.stringify(fused));
    expect(fused.dispatches_per_step).toBeLessThanOrEqual(400);
    // 12 blocks x 16 (7 forward, 9 backward) is most of it.
    expect(fused.dispatches_per_step).toBeGreaterThanOrEqual(12 * 16);
    expect(fused.frozen_weight_bytes).toBeLessThanOrEqual(180e6);
    // Per block: (2304 + 768 + 3072 + 3072) x 768 matrix weights at 2 bytes, 6912 biases at 4.
    expect(fused.frozen_weight_bytes).toBe(12 * (9216 * 768 * 2 + 6912 * 4));
    expect(fused.peak_step_bytes!).toBeLessThanOrEqual(2 ** 30);
  });
});
