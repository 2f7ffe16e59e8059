/**
 * The WGSL program of the fused matrix product (matmul.ts) and its TF.js kernel, FptFusedMatmul
 * (registered by registerKernels, index.ts). Every option that is unset costs nothing: it is absent
 * from the generated shader (one pipeline per variant, the variant's flags in the shaderKey).
 *
 * Kernel: S×S output tile per workgroup of S/4×S/4 threads (S = 64 on a GPU: 16×16 threads), each
 * thread 4×4 outputs (one vec4 of columns for 4 rows), K in steps of 16. Both tiles sit k-major in
 * workgroup memory, as vec4 along M (A) and along N (B), so the inner loop is two vec4 loads and
 * four vec4 FMAs per k. Each thread loads 64/S aligned groups of 4 elements of each operand per step
 * (a vec4 where the stored row length allows, 4 bounds-checked scalars otherwise), prefetched into
 * registers while the previous tile is multiplied. Bounds checks are dropped where M, N, K are
 * multiples of the tile (part of the key). Every output sums its K products in the same order
 * (k = 0, 1, …, one fma each) whatever S is, so the tile size never changes a result.
 * On SwiftShader (a CPU emulating the GPU, where a workgroup barrier switches every invocation of
 * the workgroup) S = 16 (16 threads): see MATMUL_TILES.
 * b may be a PackedFp16Matrix, decoded in the shader (unpack2x16float), for either transposeB.
 */
import type { tf } from '../tf';
import { DROPOUT_WGSL, dropoutUniformValues } from './dropout-mask';
import { f32u, GELU_WGSL, i32u, isSwiftShader, u32u, type ProgramUniform, type WebGPUBackend, type WebGPUProgram } from './webgpu-program';

export const FUSED_MATMUL_KERNEL = 'FptFusedMatmul';

/**
 * The output tile's side S by device (16, 32 or 64). On SwiftShader the 16-thread workgroups ran the
 * page's default training step's 30 products ~2.2× faster than S = 64 (kernel time, two A/B pairs
 * of scripts/profile-step.ts --matmul-tile; S = 32 was no faster than 64).
 */
export const MATMUL_TILES = { gpu: 64, swiftShader: 16 } as const;

/** Forces the tile side (16, 32 or 64) for tuning and tests. */
export const matmulTuning: { tile?: 16 | 32 | 64 } = {};

/** The kernel's attributes (tf.engine().runKernel's attrs). */
export interface MatmulKernelAttrs {
  transposeA: boolean;
  transposeB: boolean;
  packedB: boolean;
  bRowStride: number;
  M: number;
  N: number;
  K: number;
  preGelu: boolean;
  preDropRate: number;
  preDropSeed: number;
  gelu: boolean;
  dropRate: number;
  dropSeed: number;
}

// K per step: the thread → element mappings below (g / 4, g % 4) are written for 16.
const TILE_K = 16;

interface Variant {
  /** S: the output tile's side. */
  tile: number;
  transposeA: boolean;
  transposeB: boolean;
  packedB: boolean;
  /** vec4 loads of A / B (f32 B only): the stored row length is a multiple of 4. */
  vecA: boolean;
  vecB: boolean;
  /** N is a multiple of 4: bias, geluGradOf, residual and the output are read and written as vec4. */
  vecOut: boolean;
  fitM: boolean;
  fitN: boolean;
  fitK: boolean;
  bias: boolean;
  gelu: boolean;
  geluGrad: boolean;
  dropout: boolean;
  residual: boolean;
  preDropout: boolean;
  preGelu: boolean;
}

const COMPONENTS = ['x', 'y', 'z', 'w'];
const cond = (checks: string[]): string => (checks.length ? `if (${checks.join(' && ')})` : '');

/** WGSL fn loadA(row0, k0, g) -> vec4<f32>: group g's 4 elements of the A tile at k0. */
function loadASource(v: Variant): string {
  const pre: string[] = [];
  if (v.preDropout) {
    pre.push(`let di = u32(base);`);
    pre.push(
      `val = val * vec4<f32>(${[0, 1, 2, 3].map((j) => `dropoutFactor(uniforms.preSeed, di + ${j}u, uniforms.preThreshold, uniforms.preScale)`).join(', ')});`,
    );
  }
  if (v.preGelu) pre.push(`val = geluTanh4(val);`);
  // Stored A is [M, K] (K contiguous) or, transposed, [K, M] (M contiguous).
  const [rowExpr, colExpr, rowLimit, colLimit, fitRow, fitCol] = v.transposeA
    ? [`k0 + g / ${v.tile / 4}`, `row0 + (g % ${v.tile / 4}) * 4`, 'uniforms.dimK', 'uniforms.dimM', v.fitK, v.fitM]
    : ['row0 + g / 4', 'k0 + (g % 4) * 4', 'uniforms.dimM', 'uniforms.dimK', v.fitM, v.fitK];
  const stride = v.transposeA ? 'uniforms.dimM' : 'uniforms.dimK';
  const rowCheck = fitRow ? [] : [`gr < ${rowLimit}`];
  let body: string;
  if (v.vecA) {
    body = `${cond([...rowCheck, ...(fitCol ? [] : [`gc < ${colLimit}`])])} { val = matA[base / 4]; }`;
  } else {
    body = COMPONENTS.map((c, j) => `${cond([...rowCheck, ...(fitCol ? [] : [`gc + ${j} < ${colLimit}`])])} { val.${c} = matA[base + ${j}]; }`).join('\n    ');
  }
  return `
fn loadA(row0: i32, k0: i32, g: i32) -> vec4<f32> {
    let gr = ${rowExpr};
    let gc = ${colExpr};
    let base = gr * ${stride} + gc;
    var val = vec4<f32>(0.0);
    ${body}
    ${pre.join('\n    ')}
    return val;
}`;
}

/** WGSL fn loadB(col0, k0, g) -> vec4<f32>. */
function loadBSource(v: Variant): string {
  // Stored B is [K, N] (N contiguous) or, transposed, [N, K] (K contiguous).
  const [rowExpr, colExpr, rowLimit, colLimit, fitRow, fitCol] = v.transposeB
    ? ['col0 + g / 4', 'k0 + (g % 4) * 4', 'uniforms.dimN', 'uniforms.dimK', v.fitN, v.fitK]
    : [`k0 + g / ${v.tile / 4}`, `col0 + (g % ${v.tile / 4}) * 4`, 'uniforms.dimK', 'uniforms.dimN', v.fitK, v.fitN];
  const rowCheck = fitRow ? [] : [`gr < ${rowLimit}`];
  let body: string;
  if (v.packedB) {
    // Rows are zero-padded to a multiple of 4 values, so a group that starts inside a row is whole.
    body = `${cond([...rowCheck, ...(fitCol ? [] : [`gc < ${colLimit}`])])} {
      let w = bitcast<vec2<u32>>(matB[gr * (uniforms.bRowStride / 2) + gc / 4]);
      val = vec4<f32>(unpack2x16float(w.x), unpack2x16float(w.y));
    }`;
  } else {
    const stride = v.transposeB ? 'uniforms.dimK' : 'uniforms.dimN';
    if (v.vecB) {
      body = `${cond([...rowCheck, ...(fitCol ? [] : [`gc < ${colLimit}`])])} { val = matB[(gr * ${stride} + gc) / 4]; }`;
    } else {
      body = `let base = gr * ${stride} + gc;\n    ${COMPONENTS.map(
        (c, j) => `${cond([...rowCheck, ...(fitCol ? [] : [`gc + ${j} < ${colLimit}`])])} { val.${c} = matB[base + ${j}]; }`,
      ).join('\n    ')}`;
    }
  }
  return `
fn loadB(col0: i32, k0: i32, g: i32) -> vec4<f32> {
    let gr = ${rowExpr};
    let gc = ${colExpr};
    var val = vec4<f32>(0.0);
    ${body}
    return val;
}`;
}

/**
 * WGSL fn storeA / storeB(g, val): into the k-major tile. A group loaded along M (A transposed) or
 * N (B not transposed) is already a tile vec4 (index g); a group loaded along K is 4 tile rows.
 */
function storeSource(name: 'A' | 'B', kContiguous: boolean, tileSide: number): string {
  const tile = `tile${name}`;
  const body = kContiguous
    ? `let o = g / 4;
    let k = (g % 4) * 4;
    ${COMPONENTS.map((c, j) => `${tile}[(k + ${j}) * ${tileSide / 4} + o / 4][o % 4] = val.${c};`).join('\n    ')}`
    : `${tile}[g] = val;`;
  return `
fn store${name}(g: i32, val: vec4<f32>) {
    ${body}
}`;
}

function epilogueSource(v: Variant): string {
  const lines: string[] = [];
  if (v.vecOut) {
    const checks = [...(v.fitM ? [] : ['gr < uniforms.dimM']), ...(v.fitN ? [] : ['gc < uniforms.dimN'])];
    if (v.bias) lines.push(`val = val + biasVec[gc / 4];`);
    if (v.gelu) lines.push(`val = geluTanh4(val);`);
    if (v.geluGrad) lines.push(`val = val * geluTanhGrad4(gradOf[flat / 4]);`);
    if (v.dropout) {
      lines.push(
        `let di = u32(flat);`,
        `val = val * vec4<f32>(${[0, 1, 2, 3]
          .map((j) => `dropoutFactor(uniforms.outSeed, di + ${j}u, uniforms.outThreshold, uniforms.outScale)`)
          .join(', ')});`,
      );
    }
    if (v.residual) lines.push(`val = val + resid[flat / 4];`);
    lines.push(`result[flat / 4] = val;`);
    return `
fn writeOut(gr: i32, gc: i32, acc: vec4<f32>) {
    ${cond(checks)} {
      let flat = gr * uniforms.dimN + gc;
      var val = acc;
      ${lines.join('\n      ')}
    }
}`;
  }
  if (v.bias) lines.push(`val = val + biasVec[c];`);
  if (v.gelu) lines.push(`val = geluTanh(val);`);
  if (v.geluGrad) lines.push(`val = val * geluTanhGrad(gradOf[flat]);`);
  if (v.dropout) lines.push(`val = val * dropoutFactor(uniforms.outSeed, u32(flat), uniforms.outThreshold, uniforms.outScale);`);
  if (v.residual) lines.push(`val = val + resid[flat];`);
  lines.push(`result[flat] = val;`);
  const perColumn = COMPONENTS.map(
    (comp, j) => `{
        let c = gc + ${j};
        ${v.fitN ? '' : 'if (c < uniforms.dimN)'} {
          let flat = gr * uniforms.dimN + c;
          var val = acc.${comp};
          ${lines.join('\n          ')}
        }
      }`,
  ).join('\n      ');
  return `
fn writeOut(gr: i32, gc: i32, acc: vec4<f32>) {
    ${v.fitM ? '' : 'if (gr < uniforms.dimM)'} {
      ${perColumn}
    }
}`;
}

function shaderSource(v: Variant): string {
  const S = v.tile;
  const threads = (S / 4) * (S / 4);
  const loads = (S * TILE_K) / 4 / threads; // groups of 4 per operand and thread per K step
  return `
${v.dropout || v.preDropout ? DROPOUT_WGSL : ''}
${v.gelu || v.geluGrad || v.preGelu ? GELU_WGSL : ''}
// [k][m / 4] and [k][n / 4] for one K step.
var<workgroup> tileA: array<vec4<f32>, ${(TILE_K * S) / 4}>;
var<workgroup> tileB: array<vec4<f32>, ${(TILE_K * S) / 4}>;
${loadASource(v)}
${loadBSource(v)}
${storeSource('A', !v.transposeA, S)}
${storeSource('B', v.transposeB, S)}
${epilogueSource(v)}

fn main() {
    let tid = i32(localIndex);
    let tx = i32(localId.x);
    let ty = i32(localId.y);
    let row0 = i32(workgroupId.y) * ${S};
    let col0 = i32(workgroupId.x) * ${S};
    var acc0 = vec4<f32>(0.0);
    var acc1 = vec4<f32>(0.0);
    var acc2 = vec4<f32>(0.0);
    var acc3 = vec4<f32>(0.0);
    let numTiles = (uniforms.dimK + ${TILE_K - 1}) / ${TILE_K};
    var nextA: array<vec4<f32>, ${loads}>;
    var nextB: array<vec4<f32>, ${loads}>;
    for (var j = 0; j < ${loads}; j++) {
      nextA[j] = loadA(row0, 0, tid + j * ${threads});
      nextB[j] = loadB(col0, 0, tid + j * ${threads});
    }
    for (var t = 0; t < numTiles; t++) {
      for (var j = 0; j < ${loads}; j++) {
        storeA(tid + j * ${threads}, nextA[j]);
        storeB(tid + j * ${threads}, nextB[j]);
      }
      workgroupBarrier();
      if (t + 1 < numTiles) {
        for (var j = 0; j < ${loads}; j++) {
          nextA[j] = loadA(row0, (t + 1) * ${TILE_K}, tid + j * ${threads});
          nextB[j] = loadB(col0, (t + 1) * ${TILE_K}, tid + j * ${threads});
        }
      }
      // A constant trip count: drivers unroll it (unrolling it here only slows shader compilation).
      for (var k = 0; k < ${TILE_K}; k++) {
        let a = tileA[k * ${S / 4} + ty];
        let b = tileB[k * ${S / 4} + tx];
        acc0 = fma(vec4<f32>(a.x), b, acc0);
        acc1 = fma(vec4<f32>(a.y), b, acc1);
        acc2 = fma(vec4<f32>(a.z), b, acc2);
        acc3 = fma(vec4<f32>(a.w), b, acc3);
      }
      workgroupBarrier();
    }
    let gc = col0 + tx * 4;
    let gr = row0 + ty * 4;
    writeOut(gr, gc, acc0);
    writeOut(gr + 1, gc, acc1);
    writeOut(gr + 2, gc, acc2);
    writeOut(gr + 3, gc, acc3);
}
`;
}

class FusedMatmulProgram implements WebGPUProgram {
  variableNames: string[];
  variableComponents: number[];
  outputComponent: number;
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [1], y: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  uniforms =
    'dimM : i32, dimN : i32, dimK : i32, bRowStride : i32, preSeed : u32, preThreshold : u32, preScale : f32, ' +
    'outSeed : u32, outThreshold : u32, outScale : f32,';

  constructor(
    private readonly variant: Variant,
    M: number,
    N: number,
  ) {
    const v = variant;
    this.outputShape = [M, N];
    this.dispatch = [Math.ceil(N / v.tile), Math.ceil(M / v.tile), 1];
    this.workgroupSize = [v.tile / 4, v.tile / 4, 1];
    const out = v.vecOut ? 4 : 1;
    this.outputComponent = out;
    this.variableNames = ['matA', 'matB'];
    this.variableComponents = [v.vecA ? 4 : 1, v.packedB ? 2 : v.vecB ? 4 : 1];
    for (const [on, name] of [
      [v.bias, 'biasVec'],
      [v.geluGrad, 'gradOf'],
      [v.residual, 'resid'],
    ] as const) {
      if (!on) continue;
      this.variableNames.push(name);
      this.variableComponents.push(out);
    }
    const flags = Object.entries(v)
      .map(([k, on]) => (typeof on === 'number' ? `${k}${on}` : on ? k : ''))
      .filter(Boolean)
      .join('_');
    this.shaderKey = `fptMatmul_${flags}`;
  }

  getUserCode(): string {
    return shaderSource(this.variant);
  }
}

function runFusedMatmul({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const at = attrs as unknown as MatmulKernelAttrs;
  const { M, N, K } = at;
  const has = (name: string) => inputs[name] != null;
  const tile = matmulTuning.tile ?? (isSwiftShader(backend as WebGPUBackend) ? MATMUL_TILES.swiftShader : MATMUL_TILES.gpu);
  const v: Variant = {
    tile,
    transposeA: at.transposeA,
    transposeB: at.transposeB,
    packedB: at.packedB,
    vecA: (at.transposeA ? M : K) % 4 === 0,
    vecB: !at.packedB && (at.transposeB ? K : N) % 4 === 0,
    vecOut: N % 4 === 0,
    fitM: M % tile === 0,
    fitN: N % tile === 0,
    fitK: K > 0 && K % TILE_K === 0,
    bias: has('bias'),
    gelu: at.gelu,
    geluGrad: has('geluGradOf'),
    dropout: at.dropRate > 0,
    residual: has('residual'),
    preDropout: at.preDropRate > 0,
    preGelu: at.preGelu,
  };
  const program = new FusedMatmulProgram(v, M, N);
  const ins = [inputs.a, inputs.b, inputs.bias, inputs.geluGradOf, inputs.residual].filter((t) => t != null) as tf.TensorInfo[];
  const dropUniforms = (rate: number, seed: number): ProgramUniform[] => {
    const u = dropoutUniformValues({ rate, seed });
    return [u32u(u.seed), u32u(u.threshold), f32u(u.scale)];
  };
  const uniforms: ProgramUniform[] = [
    i32u(M),
    i32u(N),
    i32u(K),
    i32u(at.bRowStride),
    ...dropUniforms(at.preDropRate, at.preDropSeed),
    ...dropUniforms(at.dropRate, at.dropSeed),
  ];
  return (backend as WebGPUBackend).runWebGPUProgram(program, ins, 'float32', uniforms);
}

/** FptFusedMatmul on webgpu: inputs a, b (float32, or int32 packed fp16) and the optional bias, geluGradOf, residual. */
export const fusedMatmulKernel: tf.KernelConfig = { kernelName: FUSED_MATMUL_KERNEL, backendName: 'webgpu', kernelFunc: runFusedMatmul };
