/**
 * Gradient clipping and Adam on the host (any backend whose values read synchronously; FusedAdam in
 * fused-adam.ts uses it on the `wasm` backend, the CPU path). It is the host twin of FusedAdam's two
 * WGSL kernels. The plain JavaScript `cpu` backend keeps the composite ops, which WebGL runs too and
 * the golden parity test checks there. The composite path (clip.ts + Adam.apply) costs about 12
 * TF.js kernels per parameter plus 4 for its share of the norm, each with its own allocation and
 * call into the backend; this reads every gradient once, and writes every parameter up to
 * HOST_ADAM_MAX_SIZE values once (larger ones take Adam.apply with the same clip coefficient):
 *
 *   norm  = √(Σ_params Σ_i g_i²)                       (summed in double precision)
 *   clip  = min(maxNorm / (norm + 1e-6), 1)            (clip.ts, torch.nn.utils.clip_grad_norm_)
 *   g'    = g · clip, then adam.ts's update with adamStepCoefficients(options, t) for the
 *           parameter's own step count t (moments only for parameters that received a gradient,
 *           kept while their group is frozen, as Adam does)
 *
 * Every float32 operation of the composite path is rounded to float32 here (Math.fround) in the
 * same order (float32 results of exactly rounded double operations are exactly rounded float32
 * operations for +, −, ×, ÷ and √), so given the same clip coefficient an update equals Adam.apply's
 * element for element; only the norm's summation order differs (the composite sums in float32).
 */
import { tf } from '../tf';
import { Adam, adamStepCoefficients, checkStateFits, PAPER_ADAM, type AdamOptions, type AdamState } from './adam';
import { CLIP_EPS } from './clip';

const f32 = Math.fround;

interface Moments {
  m: Float32Array;
  v: Float32Array;
  steps: number;
}

/**
 * Parameters larger than this are updated by the composite ops (Adam.apply on g·clip, the same
 * arithmetic), not the host loop: on one dense 1M-element gradient the loop took 50 to 110 ms against
 * 20 to 50 ms (loaded 2-core VM). 2^17 keeps the tiny and mini models' position tables (65,536 and
 * 131,072 values, mostly zero gradients, which the loop skips) on the host.
 */
export const HOST_ADAM_MAX_SIZE = 2 ** 17;

/** The backend FusedAdam runs HostAdam on: wasm, whose values are on its heap in this process. */
export function isHostBackend(): boolean {
  return tf.getBackend() === 'wasm';
}

export class HostAdam {
  private readonly moments = new Map<string, Moments>();
  /** The parameters above HOST_ADAM_MAX_SIZE (each parameter stays on one side: its size is fixed). */
  private readonly dense: Adam;

  constructor(public options: AdamOptions = PAPER_ADAM) {
    this.dense = new Adam(options);
  }

  /** Clips `grads` to global norm `maxNorm`, applies Adam to `params`; returns the norm before clipping. */
  step(params: Map<string, tf.Variable>, grads: Map<string, tf.Tensor>, maxNorm: number): tf.Scalar {
    const names = [...grads.keys()];
    const values = names.map((name) => grads.get(name)!.dataSync() as Float32Array);
    let squares = 0;
    for (const g of values) for (let i = 0; i < g.length; i++) squares += g[i] * g[i];
    const norm = f32(Math.sqrt(squares));
    const clip = Math.min(f32(f32(maxNorm) / f32(norm + f32(CLIP_EPS))), 1);
    const [beta1, beta2, eps] = [f32(this.options.beta1), f32(this.options.beta2), f32(this.options.eps)];
    const [keep1, keep2] = [f32(1 - this.options.beta1), f32(1 - this.options.beta2)];
    const large = names.filter((name) => grads.get(name)!.size > HOST_ADAM_MAX_SIZE);
    if (large.length) {
      this.dense.options = this.options;
      const coefficient = tf.scalar(clip);
      const clipped = new Map(large.map((name) => [name, tf.mul(grads.get(name)!, coefficient)] as [string, tf.Tensor]));
      this.dense.apply(params, clipped);
      clipped.forEach((g) => g.dispose());
      coefficient.dispose();
    }
    names.forEach((name, s) => {
      const p = params.get(name);
      if (!p) throw new Error(`no parameter ${name}`);
      const g = values[s];
      if (g.length > HOST_ADAM_MAX_SIZE) return;
      let state = this.moments.get(name);
      if (!state) {
        state = { m: new Float32Array(g.length), v: new Float32Array(g.length), steps: 0 };
        this.moments.set(name, state);
      }
      const { m, v } = state;
      const coefficients = adamStepCoefficients(this.options, ++state.steps);
      const [stepSize, sqrtC2] = [f32(coefficients.stepSize), f32(coefficients.sqrtC2)];
      const next = Float32Array.from(p.dataSync() as Float32Array);
      for (let i = 0; i < next.length; i++) {
        // A zero gradient on zero moments leaves all three unchanged (m = v = 0, p − 0/eps·s = p):
        // the rows of the position table past the task's length, every step. Not when the clip
        // factor is NaN (a NaN gradient norm): there the composite path makes every element NaN.
        if (g[i] === 0 && m[i] === 0 && v[i] === 0 && clip === clip) continue;
        const gi = f32(g[i] * clip);
        const mi = (m[i] = f32(f32(m[i] * beta1) + f32(gi * keep1)));
        const vi = (v[i] = f32(f32(v[i] * beta2) + f32(f32(gi * gi) * keep2)));
        const denom = f32(f32(f32(Math.sqrt(vi)) / sqrtC2) + eps);
        next[i] = f32(next[i] - f32(f32(mi / denom) * stepSize));
      }
      const updated = tf.tensor(next, p.shape);
      p.assign(updated);
      updated.dispose(); // the variable holds the data now
    });
    return tf.scalar(norm);
  }

  /** The moments and step counts (Adam's AdamState form), for saving a run to resume later. */
  async exportState(): Promise<AdamState[]> {
    const host = [...this.moments].map(([name, s]) => ({ name, steps: s.steps, m: s.m.slice(), v: s.v.slice() }));
    return [...host, ...(await this.dense.exportState())];
  }

  /** Restores state saved by exportState (or Adam's); replaces any state held. */
  importState(params: Map<string, tf.Variable>, state: readonly AdamState[]): void {
    checkStateFits(params, state);
    this.moments.clear();
    this.dense.importState(
      params,
      state.filter((s) => s.m.length > HOST_ADAM_MAX_SIZE),
    );
    for (const { name, steps, m, v } of state) if (m.length <= HOST_ADAM_MAX_SIZE) this.moments.set(name, { m: m.slice(), v: v.slice(), steps });
  }

  /** Number of float32 values held as optimizer state (both moments). */
  stateSize(): number {
    let n = this.dense.stateSize();
    this.moments.forEach((s) => (n += s.m.length + s.v.length));
    return n;
  }

  dispose(): void {
    this.moments.clear();
    this.dense.dispose();
  }
}
