import { describe, expect, it } from 'vitest';
import { Rng } from '../rng';
import { useBackend } from '../test-support';
import { tf } from '../tf';
import { Adam } from './adam';
import { clipByGlobalNorm } from './clip';
import { countDispatches } from '../testing/dispatch-counter';
import { FusedAdam } from './fused-adam';
import { HOST_ADAM_MAX_SIZE, HostAdam } from './host-adam';

const SHAPES: Record<string, number[]> = { 'a.weight': [5, 3], 'a.bias': [3], 'b.weight': [300], 'c.scale': [7, 2] };

function randomValues(rng: Rng, shape: number[], scale: number): tf.Tensor {
  const n = shape.reduce((x, y) => x * y, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => rng.normal() * scale),
    shape,
  );
}

/** Four steps; the set of parameters with gradients changes (a group frozen, then unfrozen) as the page allows. */
const SCHEDULE = [
  ['a.weight', 'a.bias', 'b.weight'],
  ['a.weight', 'a.bias', 'b.weight', 'c.scale'],
  ['a.weight', 'c.scale'],
  ['a.weight', 'a.bias', 'b.weight', 'c.scale'],
];

async function run(fused: boolean): Promise<{ params: Record<string, Float32Array>; norms: number[] }> {
  const rng = new Rng(3);
  const params = new Map(Object.entries(SHAPES).map(([name, shape]) => [name, tf.variable(randomValues(rng, shape, 1))]));
  const fusedAdam = new FusedAdam({ lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8 });
  const adam = new Adam({ lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8 });
  const norms: number[] = [];
  for (const [i, names] of SCHEDULE.entries()) {
    // Large gradients on step 1 so clipping bites; small ones after.
    const grads = new Map(names.map((name) => [name, randomValues(rng, SHAPES[name], i === 1 ? 3 : 0.05)]));
    let norm: tf.Scalar;
    // Inside tf.tidy, as the Trainer calls it: the optimizer's state must survive the scope.
    if (fused) norm = tf.tidy(() => fusedAdam.step(params, grads, 1));
    else {
      const clipped = clipByGlobalNorm(grads, 1);
      adam.apply(params, clipped.clipped);
      norm = clipped.norm;
      clipped.clipped.forEach((g) => g.dispose());
    }
    norms.push((await norm.data())[0]);
    norm.dispose();
    grads.forEach((g) => g.dispose());
  }
  const out: Record<string, Float32Array> = {};
  for (const [name, p] of params) out[name] = (await p.data()) as Float32Array;
  params.forEach((p) => p.dispose());
  fusedAdam.dispose();
  adam.dispose();
  return { params: out, norms };
}

describe.each(['cpu', 'wasm', 'webgpu'] as const)('fused clip + Adam on %s', (backend) => {
  it('matches clipByGlobalNorm + Adam over steps where the trainable set changes', async () => {
    await useBackend(backend);
    const fused = await run(true);
    const reference = await run(false);
    expect(fused.norms[1]).toBeGreaterThan(1); // clipping was exercised
    for (let i = 0; i < fused.norms.length; i++) expect(fused.norms[i]).toBeCloseTo(reference.norms[i], 4);
    for (const name of Object.keys(SHAPES)) {
      const [a, b] = [fused.params[name], reference.params[name]];
      let worst = 0;
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
      expect(worst, name).toBeLessThan(2e-6);
    }
  });
});

describe('fused Adam on webgpu', () => {
  it('updates every parameter with two kernel dispatches, however many parameters there are', async () => {
    await useBackend('webgpu');
    const rng = new Rng(5);
    const params = new Map(Array.from({ length: 40 }, (_, i) => [`p${i}`, tf.variable(randomValues(rng, [i + 1], 1))] as const));
    const grads = new Map([...params].map(([name, p]) => [name, randomValues(rng, p.shape, 0.1)]));
    const adam = new FusedAdam();
    await (
      await countDispatches(async () => (await adam.step(params, grads, 1).data())[0])
    ).result; // builds the arenas
    const { dispatches } = await countDispatches(async () => (await adam.step(params, grads, 1).data())[0]);
    expect(dispatches).toBe(2);
    adam.dispose();
  });
});

describe.each(['cpu', 'wasm'] as const)('host clip + Adam on %s', (backend) => {
  it('equals Adam.apply element for element where clipping does not bite, zero-gradient rows included', async () => {
    await useBackend(backend);
    const rng = new Rng(9);
    // `large` is past the host loop's size: the composite ops update it, with the same clip coefficient.
    const shapes: Record<string, number[]> = { table: [64, 8], bias: [8], large: [HOST_ADAM_MAX_SIZE + 1] };
    const init = Object.fromEntries(Object.entries(shapes).map(([name, shape]) => [name, randomValues(rng, shape, 1)]));
    // The table's gradient is zero past row 5 (as the position table's rows past the task's length);
    // from the third step on also on rows 3 and 4, which trained before: their moments are not zero,
    // so Adam keeps moving them and only a skip on zero moments as well as a zero gradient is exact.
    const rowMask = (rows: number) =>
      tf.tensor2d(
        Array.from({ length: 64 }, (_, r) => (r < rows ? 1 : 0)),
        [64, 1],
      );
    const masks = [rowMask(5), rowMask(3)];
    const gradients = [5, 5, 3, 3].map((rows) => {
      const table = tf.mul(randomValues(rng, shapes.table, 0.01), masks[rows === 5 ? 0 : 1]);
      return new Map<string, tf.Tensor>([
        ['table', table],
        ['bias', randomValues(rng, shapes.bias, 0.01)],
        ['large', randomValues(rng, shapes.large, 1e-4)],
      ]);
    });
    const run = (host: boolean, steps = gradients.length) => {
      const params = new Map(Object.entries(init).map(([name, t]) => [name, tf.variable(t.clone())]));
      const hostAdam = new HostAdam({ lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8 });
      const adam = new Adam({ lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8 });
      for (const grads of gradients.slice(0, steps)) {
        if (host) tf.tidy(() => hostAdam.step(params, grads, 100));
        else adam.apply(params, grads);
      }
      const out = Object.fromEntries([...params].map(([name, p]) => [name, Array.from(p.dataSync())]));
      const state = host ? hostAdam.stateSize() : adam.stateSize();
      params.forEach((p) => p.dispose());
      hostAdam.dispose();
      adam.dispose();
      return { out, state };
    };
    const host = run(true);
    const composite = run(false);
    expect(host.out.table).toEqual(composite.out.table);
    expect(host.out.bias).toEqual(composite.out.bias);
    expect(host.out.large).toEqual(composite.out.large);
    expect(host.state).toBe(2 * (64 * 8 + 8 + HOST_ADAM_MAX_SIZE + 1));
    expect(host.out.table.slice(0, 8)).not.toEqual(Array.from(init.table.dataSync().slice(0, 8))); // it trained
    expect(host.out.table.slice(5 * 8)).toEqual(Array.from(init.table.dataSync().slice(5 * 8))); // zero rows stayed
    // Rows 3 and 4 moved on their moments in the steps where their gradient was zero.
    const afterTwo = run(true, 2).out.table.slice(3 * 8, 5 * 8);
    expect(host.out.table.slice(3 * 8, 5 * 8)).not.toEqual(afterTwo);
    masks.forEach((m) => m.dispose());
    gradients.forEach((g) => g.forEach((t) => t.dispose()));
    Object.values(init).forEach((t) => t.dispose());
  });
});

describe.each(['cpu', 'wasm', 'webgpu'] as const)('fused Adam state on %s', (backend) => {
  it('exported after two steps and imported into a new optimizer, continues exactly as one optimizer would', async () => {
    await useBackend(backend);
    // `large` is past the host loop's size (the host path keeps it in Adam); c.scale is frozen on the
    // third step, so on WebGPU its moments are stashed outside the arena when exported.
    const shapes: Record<string, number[]> = { ...SHAPES, large: [HOST_ADAM_MAX_SIZE + 1] };
    const schedule = SCHEDULE.map((names) => [...names, 'large']);
    const rng = new Rng(11);
    const init = Object.fromEntries(Object.entries(shapes).map(([name, shape]) => [name, randomValues(rng, shape, 1)]));
    const gradients = schedule.map((names, i) => new Map(names.map((name) => [name, randomValues(rng, shapes[name], i === 1 ? 3 : 0.05)])));
    const options = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
    const run = async (resumeAt: number | null) => {
      const params = new Map(Object.entries(init).map(([name, t]) => [name, tf.variable(t.clone())]));
      let adam = new FusedAdam(options);
      let saved = 0;
      for (const [i, grads] of gradients.entries()) {
        if (i === resumeAt) {
          const state = await adam.exportState();
          saved = state.reduce((n, s) => n + s.m.length + s.v.length, 0);
          adam.dispose();
          adam = new FusedAdam(options);
          adam.importState(params, state);
        }
        tf.dispose(tf.tidy(() => adam.step(params, grads, 1)));
      }
      const out: Record<string, number[]> = {};
      for (const [name, p] of params) out[name] = Array.from(await p.data());
      params.forEach((p) => p.dispose());
      adam.dispose();
      return { out, saved };
    };
    const straight = await run(null);
    const resumed = await run(3);
    // Every parameter had a gradient in the first three steps: all their moments were saved.
    expect(resumed.saved).toBe(2 * Object.values(shapes).reduce((n, s) => n + s.reduce((a, b) => a * b, 1), 0));
    for (const name of Object.keys(shapes)) expect(resumed.out[name], name).toEqual(straight.out[name]);
    // A state that does not fit the model is refused, naming the parameter.
    const params = new Map(Object.entries(init).map(([name, t]) => [name, tf.variable(t.clone())]));
    const fresh = new FusedAdam(options);
    tf.dispose(tf.tidy(() => fresh.step(params, gradients[0], 1)));
    expect(() =>
      fresh.importState(new Map([...params].filter(([name]) => name !== 'large')), [
        { name: 'large', steps: 1, m: new Float32Array(3), v: new Float32Array(3) },
      ]),
    ).toThrow('optimizer state for large does not fit the model');
    params.forEach((p) => p.dispose());
    fresh.dispose();
    gradients.forEach((g) => g.forEach((t) => t.dispose()));
    Object.values(init).forEach((t) => t.dispose());
  });
});
