/**
 * LayerNorm over the last axis of x [N, d] as torch.nn.LayerNorm (biased variance, eps inside the
 * square root), forward and explicit backward, one GPU dispatch per call on WebGPU:
 *
 *   layerNormForward          one workgroup per row: the row is held in registers, mean and then
 *                             the variance of (x - mean) (two passes, no E[x²]-E[x]² cancellation)
 *                             are workgroup tree reductions, then y = x̂·γ + β.
 *   layerNormBackwardInput    one workgroup per row, statistics recomputed from x:
 *                             dx = rstd · (a - mean(a) - x̂ · mean(a·x̂)),  a = γ·dy
 *                             (+ residualGrad, fused), in two reductions: (Σx, Σa), then
 *                             (Σ(x-μ)², Σa(x-μ)), since Σa·x̂ = rstd·Σa(x-μ).
 *   layerNormBackwardParams   dγ = Σ_n dy·x̂, dβ = Σ_n dy: one workgroup per tile of 32 columns walks
 *                             all rows (32 lanes per row, 8 rows at a time, coalesced 128-byte
 *                             reads), recomputing each row's statistics on the way. Both outputs
 *                             come from the same dispatch (recorded directly, raw-dispatch.ts: a TF.js
 *                             program has a single output).
 *
 * On other backends each function is the same arithmetic in composite TF.js ops (the reference).
 * `layerNorm` is differentiable (tf.customGrad) through the functions above.
 */
import { compositeLayerNorm } from '../ops/layers';
import { tf } from '../tf';
import { rawKernel, recordDispatch } from './raw-dispatch';
import { f32u, i32u, runProgram, webgpuBackend, type WebGPUProgram } from './webgpu-program';

/** Threads per row: a power of two from 32 to 256, about four elements per thread. */
function rowThreads(d: number): number {
  let t = 32;
  while (t < 256 && t * 4 < d) t *= 2;
  return t;
}

/** WGSL: the index of this workgroup among all dispatched (TF.js folds > 65535 groups into y, z). */
const FLAT_WORKGROUP_WGSL = /* wgsl */ `
fn flatWorkgroupIndex() -> i32 {
  return i32(workgroupId.x + numWorkgroups.x * (workgroupId.y + numWorkgroups.y * workgroupId.z));
}`;

/** WGSL: sums over the NT threads of the workgroup (all threads must call it, in uniform control flow). */
function blockSumWgsl(threads: number): string {
  return /* wgsl */ `
var<workgroup> redBuf: array<vec2<f32>, ${threads}>;
fn blockSum2(v: vec2<f32>, tid: u32) -> vec2<f32> {
  redBuf[tid] = v;
  workgroupBarrier();
  for (var s = ${threads / 2}u; s > 0u; s = s >> 1u) {
    if (tid < s) { redBuf[tid] = redBuf[tid] + redBuf[tid + s]; }
    workgroupBarrier();
  }
  let total = redBuf[0];
  workgroupBarrier();
  return total;
}`;
}

/** Loads this thread's PER elements of a row into registers (zeros past the end). */
const loadRow = (array: string, into: string) => `
  for (var k = 0; k < PER; k++) {
    let c = tid + k * NT;
    if (live && c < cols) { ${into}[k] = ${array}[base + c]; }
  }`;

type RowMode = 'forward' | 'backward' | 'backward-residual';

class LayerNormRowProgram implements WebGPUProgram {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0, 1] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  uniforms = 'rows : i32, cols : i32, eps : f32,';
  private readonly threads: number;
  private readonly per: number;

  constructor(
    private readonly mode: RowMode,
    n: number,
    d: number,
  ) {
    this.variableNames = mode === 'forward' ? ['x', 'gamma', 'beta'] : mode === 'backward' ? ['x', 'gamma', 'dy'] : ['x', 'gamma', 'dy', 'res'];
    this.outputShape = [n, d];
    this.threads = rowThreads(d);
    this.per = Math.ceil(d / this.threads);
    this.workgroupSize = [this.threads, 1, 1];
    this.dispatch = [n, 1, 1];
    this.shaderKey = `fpt_layernorm_${mode}_${this.threads}_${this.per}`;
  }

  getUserCode(): string {
    const head = `
      const NT = ${this.threads};
      const PER = ${this.per};
      ${FLAT_WORKGROUP_WGSL}
      ${blockSumWgsl(this.threads)}
      var<workgroup> rowShared: i32;
      fn main(index: i32) {
        let tid = i32(localIndex);
        if (tid == 0) { rowShared = flatWorkgroupIndex(); }
        let row = workgroupUniformLoad(&rowShared);
        let cols = uniforms.cols;
        let n = f32(cols);
        let live = row < uniforms.rows;
        let base = row * cols;
        var xv = array<f32, PER>();
        ${loadRow('x', 'xv')}`;
    if (this.mode === 'forward') {
      return `${head}
        var s = 0.0;
        for (var k = 0; k < PER; k++) { s += xv[k]; }
        let mean = blockSum2(vec2<f32>(s, 0.0), u32(tid)).x / n;
        var q = 0.0;
        for (var k = 0; k < PER; k++) {
          if (tid + k * NT < cols) { let c = xv[k] - mean; q += c * c; }
        }
        let rstd = 1.0 / sqrt(blockSum2(vec2<f32>(q, 0.0), u32(tid)).x / n + uniforms.eps);
        for (var k = 0; k < PER; k++) {
          let c = tid + k * NT;
          if (live && c < cols) { result[base + c] = (xv[k] - mean) * rstd * gamma[c] + beta[c]; }
        }
      }`;
    }
    const residual = this.mode === 'backward-residual' ? ' + res[base + c]' : '';
    return `${head}
        var av = array<f32, PER>();
        var s = vec2<f32>(0.0);
        for (var k = 0; k < PER; k++) {
          let c = tid + k * NT;
          if (live && c < cols) { av[k] = gamma[c] * dy[base + c]; }
          s += vec2<f32>(xv[k], av[k]);
        }
        let sums = blockSum2(s, u32(tid));
        let mean = sums.x / n;
        let meanA = sums.y / n;
        var q = vec2<f32>(0.0);
        for (var k = 0; k < PER; k++) {
          if (tid + k * NT < cols) { let c = xv[k] - mean; q += vec2<f32>(c * c, av[k] * c); }
        }
        let qs = blockSum2(q, u32(tid));
        let rstd = 1.0 / sqrt(qs.x / n + uniforms.eps);
        let meanAxhat = qs.y * rstd / n;
        for (var k = 0; k < PER; k++) {
          let c = tid + k * NT;
          if (live && c < cols) {
            let xhat = (xv[k] - mean) * rstd;
            result[base + c] = rstd * (av[k] - meanA - xhat * meanAxhat)${residual};
          }
        }
      }`;
  }
}

const PARAMS_COLUMNS = 32;
const PARAMS_ROWS = 8;

/** dγ and dβ in one dispatch: x, dy → dGamma, dBeta (raw WGSL, bindings in this order). */
const PARAMS_WGSL = /* wgsl */ `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> dGamma: array<f32>;
@group(0) @binding(3) var<storage, read_write> dBeta: array<f32>;
struct Uniforms { rows: u32, cols: u32, eps: f32, pad: u32 };
@group(0) @binding(4) var<uniform> u: Uniforms;

const TC = ${PARAMS_COLUMNS}u;
const RL = ${PARAMS_ROWS}u;
var<workgroup> red: array<f32, ${PARAMS_COLUMNS * PARAMS_ROWS}>;
var<workgroup> red2: array<vec2<f32>, ${PARAMS_COLUMNS * PARAMS_ROWS}>;

// Sum over the 32 lanes that share li / 32 (one row); every thread gets its group's sum.
fn laneSum(v: f32, li: u32, lane: u32) -> f32 {
  red[li] = v;
  workgroupBarrier();
  for (var s = 16u; s > 0u; s = s >> 1u) {
    if (lane < s) { red[li] = red[li] + red[li + s]; }
    workgroupBarrier();
  }
  let total = red[li - lane];
  workgroupBarrier();
  return total;
}

@compute @workgroup_size(${PARAMS_COLUMNS * PARAMS_ROWS})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let lane = li % TC;
  let rl = li / TC;
  let cols = u.cols;
  let rows = u.rows;
  let n = f32(cols);
  let col = wg.x * TC + lane;
  var acc = vec2<f32>(0.0);
  for (var r0 = 0u; r0 < rows; r0 += RL) {
    let row = r0 + rl;
    let live = row < rows;
    let base = row * cols;
    var s = 0.0;
    if (live) { for (var c = lane; c < cols; c += TC) { s += x[base + c]; } }
    let mean = laneSum(s, li, lane) / n;
    var q = 0.0;
    if (live) { for (var c = lane; c < cols; c += TC) { let t = x[base + c] - mean; q += t * t; } }
    let rstd = 1.0 / sqrt(laneSum(q, li, lane) / n + u.eps);
    if (live && col < cols) {
      let g = dy[base + col];
      acc += vec2<f32>(g * (x[base + col] - mean) * rstd, g);
    }
  }
  red2[li] = acc;
  workgroupBarrier();
  if (rl == 0u && col < cols) {
    var total = vec2<f32>(0.0);
    for (var r = 0u; r < RL; r++) { total += red2[r * TC + lane]; }
    dGamma[col] = total.x;
    dBeta[col] = total.y;
  }
}`;

function checkShapes(x: tf.Tensor2D, ...vectors: tf.Tensor[]): void {
  if (x.rank !== 2) throw new Error(`layer norm expects x [N, d], got [${x.shape}]`);
  for (const v of vectors) {
    if (v.size !== x.shape[1]) throw new Error(`layer norm parameter of size ${v.size} does not match d = ${x.shape[1]}`);
  }
}

function runRowProgram(mode: RowMode, inputs: tf.Tensor[], n: number, d: number, eps: number): tf.Tensor2D {
  return runProgram<tf.Tensor2D>(new LayerNormRowProgram(mode, n, d), inputs, [i32u(n), i32u(d), f32u(eps)]);
}

/** y = (x - mean) / sqrt(var + eps) · gamma + beta over the last axis. One dispatch on WebGPU. */
export function layerNormForward(x: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps: number): tf.Tensor2D {
  checkShapes(x, gamma, beta);
  const [n, d] = x.shape;
  if (!webgpuBackend()) return compositeLayerNorm(x, gamma, beta, eps);
  return runRowProgram('forward', [x, gamma, beta], n, d, eps);
}

/** dL/dx for y = layerNorm(x), given dy (plus residualGrad when given, in the same pass). One dispatch on WebGPU. */
export function layerNormBackwardInput(x: tf.Tensor2D, gamma: tf.Tensor1D, dy: tf.Tensor2D, eps: number, residualGrad?: tf.Tensor2D): tf.Tensor2D {
  checkShapes(x, gamma);
  const [n, d] = x.shape;
  if (!webgpuBackend()) {
    return tf.tidy(() => {
      const { mean, variance } = tf.moments(x, -1, true);
      const rstd = tf.rsqrt(tf.add(variance, eps));
      const xhat = tf.mul(tf.sub(x, mean), rstd);
      const a = tf.mul(dy, gamma);
      const inner = tf.sub(tf.sub(a, tf.mean(a, -1, true)), tf.mul(xhat, tf.mean(tf.mul(a, xhat), -1, true)));
      const dx = tf.mul(rstd, inner) as tf.Tensor2D;
      return residualGrad ? tf.add(dx, residualGrad) : dx;
    });
  }
  return residualGrad ? runRowProgram('backward-residual', [x, gamma, dy, residualGrad], n, d, eps) : runRowProgram('backward', [x, gamma, dy], n, d, eps);
}

/** dL/dgamma = Σ_rows dy·x̂ and dL/dbeta = Σ_rows dy. One dispatch (both outputs) on WebGPU. */
export function layerNormBackwardParams(x: tf.Tensor2D, dy: tf.Tensor2D, eps: number): { dGamma: tf.Tensor1D; dBeta: tf.Tensor1D } {
  checkShapes(x);
  const [n, d] = x.shape;
  const backend = webgpuBackend();
  if (!backend) {
    return tf.tidy(() => {
      const { mean, variance } = tf.moments(x, -1, true);
      const xhat = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps)));
      return { dGamma: tf.sum(tf.mul(dy, xhat), 0) as tf.Tensor1D, dBeta: tf.sum(dy, 0) as tf.Tensor1D };
    });
  }
  if (n === 0 || d === 0) return { dGamma: tf.zeros([d]), dBeta: tf.zeros([d]) };
  const output = () => tf.engine().makeTensorFromTensorInfo(backend.makeTensorInfo([d], 'float32')) as tf.Tensor1D;
  const dGamma = output();
  const dBeta = output();
  recordDispatch(
    rawKernel('fpt_layernorm_params', PARAMS_WGSL),
    [x, dy, dGamma, dBeta],
    [Math.ceil(d / PARAMS_COLUMNS), 1, 1],
    [
      { type: 'uint32', data: [n, d] },
      { type: 'float32', data: [eps] },
      { type: 'uint32', data: [0] },
    ],
  );
  return { dGamma, dBeta };
}

/** LayerNorm, differentiable with respect to x, gamma and beta through the kernels above. */
export function layerNorm(x: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps: number): tf.Tensor2D {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xi, g, b] = args as tf.Tensor[];
    const save = args[3] as tf.GradSaveFunc;
    save([xi, g]);
    return {
      value: layerNormForward(xi as tf.Tensor2D, g as tf.Tensor1D, b as tf.Tensor1D, eps),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, gs] = saved as [tf.Tensor2D, tf.Tensor1D];
        const dx = layerNormBackwardInput(xs, gs, dy as tf.Tensor2D, eps);
        const { dGamma, dBeta } = layerNormBackwardParams(xs, dy as tf.Tensor2D, eps);
        return [dx, dGamma, dBeta];
      },
    };
  });
  return f(x, gamma, beta) as tf.Tensor2D;
}
