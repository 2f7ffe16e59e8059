/**
 * Gradient clipping and Adam for all trainable parameters in two kernel dispatches on WebGPU (the
 * composite path costs ~12 per parameter). Parameters, gradients and both moments live in flat
 * arenas: each step copies the gradients (and the current parameter values) into them with buffer
 * copies, which are not dispatches, runs one norm kernel and one update kernel over the arenas, and
 * copies the new values into fresh buffers that the parameters are then assigned (never written in
 * place: a read of the old values may still be in flight).
 *
 * The arithmetic is torch.nn.utils.clip_grad_norm_ followed by torch.optim.Adam, as clip.ts and
 * adam.ts do it (per-parameter step counts for bias correction; moments only for parameters that
 * received a gradient, kept while their group is frozen). On the wasm backend the same arithmetic
 * runs as one host loop over the values (host-adam.ts); on cpu and WebGL this delegates to clip.ts
 * and adam.ts.
 */
import { tf } from '../tf';
import { Adam, adamStepCoefficients, checkStateFits, PAPER_ADAM, type AdamOptions, type AdamState } from './adam';
import { clipByGlobalNorm } from './clip';
import { HostAdam, isHostBackend } from './host-adam';
import { emptyTensor, isWebGpu, rawKernel, recordCopies, recordDispatch } from '../kernels/raw-dispatch';

const WORKGROUP = 256;
const MAX_WORKGROUPS_X = 65535;

const NORM_WGSL = /* wgsl */ `
@group(0) @binding(0) var<storage, read> g: array<f32>;
@group(0) @binding(1) var<storage, read_write> norm: array<f32>;
struct Uniforms { n: u32, pad0: u32, pad1: u32, pad2: u32 };
@group(0) @binding(2) var<uniform> u: Uniforms;
var<workgroup> partial: array<f32, ${WORKGROUP}>;
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(local_invocation_index) li: u32) {
  var s = 0.0;
  for (var i = li; i < u.n; i += ${WORKGROUP}u) { s += g[i] * g[i]; }
  partial[li] = s;
  workgroupBarrier();
  for (var stride = ${WORKGROUP / 2}u; stride > 0u; stride >>= 1u) {
    if (li < stride) { partial[li] += partial[li + stride]; }
    workgroupBarrier();
  }
  if (li == 0u) { norm[0] = sqrt(partial[0]); }
}`;

// Per segment (one parameter): its first element in the arenas, lr / (1 - beta1^t), sqrt(1 - beta2^t).
const ADAM_WGSL = /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> p: array<f32>;
@group(0) @binding(1) var<storage, read_write> m: array<f32>;
@group(0) @binding(2) var<storage, read_write> v: array<f32>;
@group(0) @binding(3) var<storage, read> g: array<f32>;
@group(0) @binding(4) var<storage, read> norm: array<f32>;
@group(0) @binding(5) var<storage, read> segStart: array<i32>;
@group(0) @binding(6) var<storage, read> segCoef: array<f32>;
struct Uniforms { n: u32, segments: u32, groupsX: u32, pad: u32, maxNorm: f32, beta1: f32, beta2: f32, eps: f32 };
@group(0) @binding(7) var<uniform> u: Uniforms;
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let i = (wg.y * u.groupsX + wg.x) * ${WORKGROUP}u + li;
  if (i >= u.n) { return; }
  var lo = 0u;
  var hi = u.segments - 1u;
  while (lo < hi) {
    let mid = (lo + hi + 1u) / 2u;
    if (u32(segStart[mid]) <= i) { lo = mid; } else { hi = mid - 1u; }
  }
  let clip = min(u.maxNorm / (norm[0] + 1e-6), 1.0);
  let grad = g[i] * clip;
  let mi = u.beta1 * m[i] + (1.0 - u.beta1) * grad;
  let vi = u.beta2 * v[i] + (1.0 - u.beta2) * grad * grad;
  m[i] = mi;
  v[i] = vi;
  let denom = sqrt(vi) / segCoef[2u * lo + 1u] + u.eps;
  p[i] = p[i] - (mi / denom) * segCoef[2u * lo];
}`;

interface Arena {
  names: string[];
  offsets: number[];
  sizes: number[];
  total: number;
  p: tf.Tensor1D;
  g: tf.Tensor1D;
  m: tf.Tensor1D;
  v: tf.Tensor1D;
  segStart: tf.Tensor1D;
}

const F32 = 4;

/**
 * Where FusedAdam runs on the current backend, the one place that chooses: `host` (wasm: HostAdam's
 * loop over the values on its heap), `webgpu` (the two kernels over the arenas), `composite` (cpu and
 * WebGL: clip.ts and Adam.apply).
 */
export type FusedAdamPath = 'host' | 'webgpu' | 'composite';

export function fusedAdamPath(): FusedAdamPath {
  if (isHostBackend()) return 'host';
  return isWebGpu() ? 'webgpu' : 'composite';
}

export class FusedAdam {
  private readonly reference: Adam;
  private readonly host: HostAdam;
  private arena: Arena | null = null;
  private readonly steps = new Map<string, number>();
  /** Moments of parameters whose group was frozen after they trained. */
  private readonly stash = new Map<string, { m: tf.Tensor1D; v: tf.Tensor1D }>();

  constructor(public options: AdamOptions = PAPER_ADAM) {
    this.reference = new Adam(options);
    this.host = new HostAdam(options);
  }

  /** Clips `grads` to global norm `maxNorm`, applies Adam to `params`; returns the norm before clipping. */
  step(params: Map<string, tf.Variable>, grads: Map<string, tf.Tensor>, maxNorm: number): tf.Scalar {
    const path = fusedAdamPath();
    if (path === 'host') {
      this.host.options = this.options;
      return this.host.step(params, grads, maxNorm);
    }
    if (path === 'composite') {
      this.reference.options = this.options;
      return tf.tidy(() => {
        const { clipped, norm } = clipByGlobalNorm(grads, maxNorm);
        this.reference.apply(params, clipped);
        return norm;
      });
    }
    const names = [...grads.keys()].sort();
    const arena = this.arenaFor(
      names,
      names.map((n) => grads.get(n)!.size),
    );
    const { beta1, beta2, eps } = this.options;

    const coefs = new Float32Array(2 * names.length);
    names.forEach((name, s) => {
      const t = (this.steps.get(name) ?? 0) + 1;
      this.steps.set(name, t);
      const { stepSize, sqrtC2 } = adamStepCoefficients(this.options, t);
      coefs[2 * s] = stepSize;
      coefs[2 * s + 1] = sqrtC2;
    });
    const segCoef = tf.tensor1d(coefs);
    const norm = emptyTensor([1]);
    const current = names.map((name) => {
      const p = params.get(name);
      if (!p) throw new Error(`no parameter ${name}`);
      return p;
    });

    recordCopies(
      names.flatMap((name, s) => [
        { from: current[s], fromByte: 0, to: arena.p, toByte: arena.offsets[s] * F32, bytes: arena.sizes[s] * F32 },
        { from: grads.get(name)!, fromByte: 0, to: arena.g, toByte: arena.offsets[s] * F32, bytes: arena.sizes[s] * F32 },
      ]),
    );
    recordDispatch(rawKernel('fpt-grad-norm', NORM_WGSL), [arena.g, norm], [1, 1, 1], [{ type: 'uint32', data: [arena.total, 0, 0, 0] }]);
    const groups = Math.ceil(arena.total / WORKGROUP);
    const groupsX = Math.min(groups, MAX_WORKGROUPS_X);
    recordDispatch(
      rawKernel('fpt-adam', ADAM_WGSL),
      [arena.p, arena.m, arena.v, arena.g, norm, arena.segStart, segCoef],
      [groupsX, Math.ceil(groups / groupsX), 1],
      [
        { type: 'uint32', data: [arena.total, names.length, groupsX, 0] },
        { type: 'float32', data: [maxNorm, beta1, beta2, eps] },
      ],
    );
    const updated = current.map((p) => emptyTensor(p.shape));
    recordCopies(updated.map((to, s) => ({ from: arena.p, fromByte: arena.offsets[s] * F32, to, toByte: 0, bytes: arena.sizes[s] * F32 })));
    current.forEach((p, s) => {
      p.assign(updated[s]);
      updated[s].dispose();
    });
    segCoef.dispose();
    const scalar = tf.reshape(norm, []) as tf.Scalar;
    norm.dispose();
    return scalar;
  }

  private arenaFor(names: string[], sizes: number[]): Arena {
    const old = this.arena;
    if (old && old.names.join('\n') === names.join('\n') && old.sizes.join() === sizes.join()) return old;
    const offsets: number[] = [];
    let total = 0;
    for (const size of sizes) {
      offsets.push(total);
      total += size;
    }
    const arena: Arena = {
      names,
      offsets,
      sizes,
      total,
      // Kept: step() usually runs inside the caller's tf.tidy, and the arenas outlive it.
      p: tf.keep(tf.zeros([total])),
      g: tf.keep(tf.zeros([total])),
      m: tf.keep(tf.zeros([total])),
      v: tf.keep(tf.zeros([total])),
      segStart: tf.keep(tf.tensor1d(offsets, 'int32')),
    };
    const copies: Parameters<typeof recordCopies>[0] = [];
    const moveMoments = (from: { m: tf.Tensor; v: tf.Tensor }, fromByte: number, to: { m: tf.Tensor; v: tf.Tensor }, toByte: number, bytes: number) =>
      copies.push({ from: from.m, fromByte, to: to.m, toByte, bytes }, { from: from.v, fromByte, to: to.v, toByte, bytes });
    names.forEach((name, s) => {
      const stashed = this.stash.get(name);
      const o = old?.names.indexOf(name) ?? -1;
      if (old && o >= 0) moveMoments(old, old.offsets[o] * F32, arena, offsets[s] * F32, sizes[s] * F32);
      else if (stashed) moveMoments(stashed, 0, arena, offsets[s] * F32, sizes[s] * F32);
    });
    old?.names.forEach((name, o) => {
      if (names.includes(name)) return;
      const kept = { m: tf.keep(tf.zeros([old.sizes[o]])) as tf.Tensor1D, v: tf.keep(tf.zeros([old.sizes[o]])) as tf.Tensor1D };
      this.stash.get(name)?.m.dispose();
      this.stash.get(name)?.v.dispose();
      this.stash.set(name, kept);
      moveMoments(old, old.offsets[o] * F32, kept, 0, old.sizes[o] * F32);
    });
    recordCopies(copies);
    const restored = names.filter((n) => this.stash.has(n) && !(old?.names.includes(n) ?? false));
    if (old) {
      // Disposal waits for the queued copies: the backend defers buffers owned by pending commands.
      for (const t of [old.p, old.g, old.m, old.v, old.segStart]) t.dispose();
    }
    for (const name of restored) {
      this.stash.get(name)!.m.dispose();
      this.stash.get(name)!.v.dispose();
      this.stash.delete(name);
    }
    this.arena = arena;
    return arena;
  }

  /** Number of float32 values held as optimizer state (both moments). */
  stateSize(): number {
    const path = fusedAdamPath();
    if (path === 'host') return this.host.stateSize();
    if (path === 'composite') return this.reference.stateSize();
    let n = 2 * (this.arena?.total ?? 0);
    this.stash.forEach((s) => (n += s.m.size + s.v.size));
    return n;
  }

  /** The moments and step counts (Adam's AdamState form, whichever path holds them), for saving a run to resume later. */
  async exportState(): Promise<AdamState[]> {
    const path = fusedAdamPath();
    if (path === 'host') return this.host.exportState();
    if (path === 'composite') return this.reference.exportState();
    const out: AdamState[] = [];
    const arena = this.arena;
    for (const [s, name] of (arena?.names ?? []).entries()) {
      const [m, v] = tf.tidy(() => [tf.slice(arena!.m, arena!.offsets[s], arena!.sizes[s]), tf.slice(arena!.v, arena!.offsets[s], arena!.sizes[s])]);
      out.push({ name, steps: this.steps.get(name)!, m: (await m.data()) as Float32Array, v: (await v.data()) as Float32Array });
      tf.dispose([m, v]);
    }
    for (const [name, { m, v }] of this.stash)
      out.push({ name, steps: this.steps.get(name)!, m: (await m.data()) as Float32Array, v: (await v.data()) as Float32Array });
    return out;
  }

  /** Restores state saved by exportState (by this class or by Adam; shapes from `params`); replaces any state held. */
  importState(params: Map<string, tf.Variable>, state: readonly AdamState[]): void {
    const path = fusedAdamPath();
    if (path === 'host') return this.host.importState(params, state);
    if (path === 'composite') return this.reference.importState(params, state);
    checkStateFits(params, state);
    this.dispose();
    this.steps.clear();
    // Stashed moments enter the arena the next step builds, as those of a group unfrozen again do.
    for (const { name, steps, m, v } of state) {
      this.stash.set(name, { m: tf.keep(tf.tensor1d(m)), v: tf.keep(tf.tensor1d(v)) });
      this.steps.set(name, steps);
    }
  }

  dispose(): void {
    this.reference.dispose();
    this.host.dispose();
    if (this.arena) for (const t of [this.arena.p, this.arena.g, this.arena.m, this.arena.v, this.arena.segStart]) t.dispose();
    this.arena = null;
    this.stash.forEach((s) => {
      s.m.dispose();
      s.v.dispose();
    });
    this.stash.clear();
  }
}
