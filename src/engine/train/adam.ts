import { tf } from '../tf';

import { PAPER_ADAM, type AdamOptions } from './adam-options';

export { PAPER_ADAM, type AdamOptions } from './adam-options';

export interface AdamState {
  name: string;
  steps: number;
  m: Float32Array;
  v: Float32Array;
}

/**
 * The one statement of torch.optim.Adam's update (no weight decay) that every implementation follows
 * (Adam.apply in TF.js ops, FusedAdam's WGSL kernel and its host loop), for gradient g at the
 * parameter's t-th step:
 *
 *   m ← β1·m + (1 − β1)·g
 *   v ← β2·v + (1 − β2)·g²
 *   p ← p − stepSize · m / (√v / sqrtC2 + eps),   stepSize = lr / (1 − β1^t),  sqrtC2 = √(1 − β2^t)
 *
 * This returns the two per-step coefficients (computed in double precision once per parameter).
 */
export function adamStepCoefficients(options: AdamOptions, t: number): { stepSize: number; sqrtC2: number } {
  return { stepSize: options.lr / (1 - options.beta1 ** t), sqrtC2: Math.sqrt(1 - options.beta2 ** t) };
}

/** Throws unless every saved moment names a parameter of `params` and has its size. */
export function checkStateFits(params: Map<string, tf.Variable>, state: readonly AdamState[]): void {
  for (const { name, m, v } of state) {
    const p = params.get(name);
    if (!p || p.size !== m.length || p.size !== v.length) throw new Error(`optimizer state for ${name} does not fit the model`);
  }
}

/**
 * Adam as torch.optim.Adam (no weight decay). Moment state exists only for parameters that have
 * received a gradient, so frozen groups cost no optimizer memory. Like PyTorch, each parameter keeps
 * its own step count for bias correction, so a group unfrozen later starts as if on its first step.
 */
export class Adam {
  private readonly moments = new Map<string, { m: tf.Variable; v: tf.Variable; steps: number }>();

  constructor(public options: AdamOptions = PAPER_ADAM) {}

  apply(params: Map<string, tf.Variable>, grads: Map<string, tf.Tensor>): void {
    const { beta1, beta2, eps } = this.options;
    tf.tidy(() => {
      for (const [name, g] of grads) {
        const p = params.get(name)!;
        let s = this.moments.get(name);
        if (!s) {
          s = { m: tf.variable(tf.zerosLike(p), false), v: tf.variable(tf.zerosLike(p), false), steps: 0 };
          this.moments.set(name, s);
        }
        s.steps++;
        s.m.assign(tf.add(tf.mul(s.m, beta1), tf.mul(g, 1 - beta1)));
        s.v.assign(tf.add(tf.mul(s.v, beta2), tf.mul(tf.square(g), 1 - beta2)));
        const { stepSize, sqrtC2 } = adamStepCoefficients(this.options, s.steps);
        const denom = tf.add(tf.div(tf.sqrt(s.v), sqrtC2), eps);
        p.assign(tf.sub(p, tf.mul(tf.div(s.m, denom), stepSize)));
      }
    });
  }

  /** The moments and step counts, for saving a run to resume later. */
  async exportState(): Promise<AdamState[]> {
    const out: AdamState[] = [];
    for (const [name, s] of this.moments) out.push({ name, steps: s.steps, m: (await s.m.data()) as Float32Array, v: (await s.v.data()) as Float32Array });
    return out;
  }

  /** Restores state saved by exportState (shapes from `params`); replaces any state held. */
  importState(params: Map<string, tf.Variable>, state: readonly AdamState[]): void {
    checkStateFits(params, state);
    this.dispose();
    for (const { name, steps, m, v } of state) {
      const p = params.get(name)!;
      this.moments.set(name, { m: tf.variable(tf.tensor(m, p.shape), false), v: tf.variable(tf.tensor(v, p.shape), false), steps });
    }
  }

  /** Number of float32 values held as optimizer state. */
  stateSize(): number {
    let n = 0;
    this.moments.forEach((s) => (n += s.m.size + s.v.size));
    return n;
  }

  dispose(): void {
    this.moments.forEach((s) => {
      s.m.dispose();
      s.v.dispose();
    });
    this.moments.clear();
  }
}
