/**
 * Causal multi-head self-attention on GPT-2's packed layout: qkv [B·T, 3d] holds q, k and v side by
 * side (head h in columns h·dh … h·dh+dh-1 of each third), and the context comes back [B·T, d] with
 * the heads merged the same way. No head split/merge transposes, one GPU dispatch per call:
 *
 *   causalAttentionForward   one workgroup per (batch, head, tile of Br queries): flash-attention
 *                            style, key/value tiles of Bc rows staged in workgroup memory, online
 *                            softmax in fp32 (running max m and sum l per row, o rescaled by
 *                            exp(m_old - m_new)), dropout applied to the probabilities as they meet v.
 *   causalAttentionBackward  one workgroup per (batch, head); see the math below.
 *   attentionProbabilities   one workgroup per (head, tile of queries) of one batch element.
 *
 * Backward math, per (b, h), with S = scale·QKᵀ (causal), P = softmax(S), Z the dropout factors
 * (0 or 1/(1-rate); all 1 without dropout), P̃ = P∘Z, O = P̃V:
 *   dV = P̃ᵀ dO,   dP̃ = dO Vᵀ,   dP = dP̃∘Z,
 *   dS = P∘(dP - D),  D_i = Σ_j P_ij dP_ij = Σ_j P̃_ij (dO_i·v_j) = dO_i·O_i,
 *   dQ = scale · dS K,   dK = scale · dSᵀ Q.
 * The kernel first walks the query tiles: per row it recomputes the log-sum-exp L_i = m_i + log l_i
 * (one sweep over the keys), takes D_i = dO_i·O_i, and in a second sweep accumulates dQ_i. It parks
 * L_i and D_i in the first two dK columns of row i (this workgroup owns them and writes its dK last).
 * Then it walks the key tiles: for each, it sweeps the query tiles at or below the diagonal,
 * rebuilding P_ij = exp(S_ij - L_i) and dS_ij, and accumulates dK_j and dV_j in registers. A key
 * tile's rows are written only after every later use of their parked L, D (later key tiles reach
 * those rows only above the diagonal, where every term is selected away).
 *
 * Dropout element (b, h, i, j) has mask index ((b·H + h)·T + i)·T + j, its flat index in the
 * [B, H, T, T] probabilities; the mask is a pure function of (seed, index) (dropout-mask.ts), so
 * forward and backward agree without storing it.
 *
 * Head rows are staged in workgroup memory as vec4s with one vec4 of padding per row (conflict-free
 * 128-bit reads across rows), and read from global memory as vec4 when dh is a multiple of 4 (all
 * GPT-2 sizes); other head sizes are zero-padded to whole vec4s. Workgroup memory decides the tiles:
 * on a GPU the largest of 16×16 … 4×4 (queries × keys) that fits the device's
 * maxComputeWorkgroupStorageSize; on SwiftShader (a CPU emulating the GPU: each invocation is a
 * fibre, and a workgroup barrier switches every fibre of the workgroup) the smallest, 4×4, which
 * there ran the forward ~9× and the backward ~12× faster than 16×16 at T = 10, and forward plus
 * backward stayed fastest at T = 32 and 64 (B 16, 2 heads of 32; the page's default step can be
 * profiled with other tiles by scripts/profile-step.ts --attention-tiles). Tiles change only the
 * order of the softmax's and products' float32 sums. `attentionTuning` can cap the budget, force
 * tiles or the preference.
 * The backward's parallelism is B·H workgroups, each serial over T²/2: right for the short sequences
 * here; for long T, splitting dQ from dK/dV (two dispatches) would give B·H·T/Bc workgroups.
 *
 * On other backends each function is the same arithmetic in composite TF.js ops (the reference).
 */
import { causalMask } from '../ops/layers';
import { tf } from '../tf';
import { DROPOUT_WGSL, dropoutFactors, dropoutUniformValues, type DropoutSpec } from './dropout-mask';
import { f32u, i32u, isSwiftShader, u32u, runProgram, webgpuBackend, type ProgramUniform, type WebGPUBackend, type WebGPUProgram } from './webgpu-program';

/**
 * Tile size knobs (for tuning): cap the workgroup memory used, force [queries, keys], or prefer the
 * largest or smallest tiles that fit (default: smallest on SwiftShader, largest elsewhere).
 */
export const attentionTuning: { maxSharedBytes?: number; tiles?: [number, number]; prefer?: 'large' | 'small' } = {};

type Tiles = [number, number];
const TILE_CANDIDATES: Tiles[] = [
  [16, 16],
  [16, 8],
  [8, 16],
  [8, 8],
  [4, 8],
  [4, 4],
];

/** Head rows live in workgroup memory as vec4s, one vec4 of padding per row against bank conflicts. */
const rowFloats = (dh: number) => 4 * (Math.ceil(dh / 4) + 1);

/** Bytes of workgroup memory each kernel declares for head size dh and tiles [br, bc]. */
function sharedBytes(kind: 'forward' | 'backward', dh: number, [br, bc]: Tiles): number {
  const row = rowFloats(dh);
  const floats = kind === 'forward' ? br * row + 2 * bc * row + br * (bc + 1) + 1 : 2 * br * row + 2 * bc * row + 2 * br * (bc + 1) + 2 * br + 1;
  return floats * 4;
}

function chooseTiles(kind: 'forward' | 'backward', dh: number, backend: WebGPUBackend): Tiles {
  if (attentionTuning.tiles) return attentionTuning.tiles;
  const budget = Math.min(backend.device.limits.maxComputeWorkgroupStorageSize, attentionTuning.maxSharedBytes ?? Infinity);
  const prefer = attentionTuning.prefer ?? (isSwiftShader(backend) ? 'small' : 'large');
  const candidates = prefer === 'large' ? TILE_CANDIDATES : [...TILE_CANDIDATES].reverse();
  const fit = candidates.find((t) => sharedBytes(kind, dh, t) <= budget);
  if (!fit) throw new Error(`attention: head size ${dh} does not fit the ${budget} bytes of workgroup memory`);
  return fit;
}

/** seed, threshold, keep scale; threshold 0 (nothing dropped) skips the hash at run time. */
function dropoutUniforms(dropout?: DropoutSpec): ProgramUniform[] {
  const { seed, threshold, scale } = dropoutUniformValues(dropout);
  return [u32u(seed), u32u(threshold), f32u(scale)];
}

/**
 * Compile-time shape of one kernel: head size, tiles (queries × keys per tile) and whether head rows
 * can be read as vec4 from global memory (dh a multiple of 4, so every row of q, k, v starts aligned).
 */
interface Layout {
  dh: number;
  tiles: Tiles;
  vec4Io: boolean;
}

/** WGSL shared by the kernels: constants, the score tile sP, the workgroup index, the dropout factor. */
function commonWgsl({ dh, tiles: [br, bc] }: Layout): string {
  return /* wgsl */ `
const DH = ${dh};
const DH4 = ${Math.ceil(dh / 4)};   // vec4s per head row
const RS4 = ${Math.ceil(dh / 4) + 1};   // row stride in workgroup memory, in vec4s (one of padding)
const BR = ${br};
const BC = ${bc};
const NT = ${br * bc};
const PS = ${bc + 1};
const NEG = -3.402823e38;
${DROPOUT_WGSL}

var<workgroup> wgIndexShared: i32;
var<workgroup> sP: array<f32, ${br * (bc + 1)}>;

// This workgroup's index among all dispatched, as a uniform value (TF.js folds > 65535 groups into y, z).
fn uniformWorkgroupIndex() -> i32 {
  if (localIndex == 0u) {
    wgIndexShared = i32(workgroupId.x + numWorkgroups.x * (workgroupId.y + numWorkgroups.y * workgroupId.z));
  }
  return workgroupUniformLoad(&wgIndexShared);
}

// Dropout factor of probability (bh, i, j), whose mask index is its flat index in [B·H, T, T].
fn dropFactor(bh: i32, i: i32, j: i32) -> f32 {
  if (uniforms.threshold == 0u) { return uniforms.keepScale; }
  let T = u32(uniforms.T);
  return dropoutFactor(uniforms.seed, u32(bh) * T * T + u32(i) * T + u32(j), uniforms.threshold, uniforms.keepScale);
}
`;
}

/** WGSL: the opening of every kernel's main: this thread's place in the tile, the sizes, the workgroup index wg. */
const MAIN_PROLOGUE = /* wgsl */ `
  let tid = i32(localIndex);
  let a = tid / BC;          // query row within the tile
  let bk = tid - a * BC;     // key within the tile
  let T = uniforms.T;
  let H = uniforms.H;
  let d = H * DH;
  let stride = 3 * d;
  let nq = (T + BR - 1) / BR;
  let wg = uniformWorkgroupIndex();`;

/** WGSL expression: B·H (the output of the forward and backward has B·T rows). */
const BATCH_HEADS = 'uniforms.outShape[0] / T * H';

/** WGSL: batch element b and head h of the (batch, head) pair bh, and b's first row. */
const BATCH_AND_HEAD = /* wgsl */ `
  let b = bh / H;
  let h = bh - b * H;
  let rowBase = b * T;`;

/** WGSL expression: how many key tiles reach query tile q0's diagonal. */
const KEY_TILES_TO_DIAGONAL = '(min(q0 + BR, T) + BC - 1) / BC';

/**
 * WGSL: workgroup wg takes query tile q0 of head bh (`heads` of them, nq tiles each; workgroups
 * past those are not live); i is this thread's query, nkt the key tiles it needs.
 */
const queryTileOfWorkgroup = (heads: string) => /* wgsl */ `
  let live = wg < ${heads} * nq;
  let bh = wg / nq;
  let q0 = (wg - bh * nq) * BR;
  let i = q0 + a;
  let nkt = select(0, ${KEY_TILES_TO_DIAGONAL}, live);`;

/**
 * WGSL expression: the vec4 of `src` at element offset `base` (chunk c4 of a head row), zeros past DH;
 * without vec4 binding the scalar indices are clamped into the head row, so nothing past it is read.
 */
function load4(layout: Layout, src: string, base: string): string {
  if (layout.vec4Io) return `${src}[(${base}) / 4]`;
  return `vec4<f32>(${src}[${base}], select(0.0, ${src}[min(${base} + 1, ${base} + DH - 1 - c4 * 4)], c4 * 4 + 1 < DH), select(0.0, ${src}[min(${base} + 2, ${base} + DH - 1 - c4 * 4)], c4 * 4 + 2 < DH), select(0.0, ${src}[min(${base} + 3, ${base} + DH - 1 - c4 * 4)], c4 * 4 + 3 < DH))`;
}

/** WGSL statement: copies `rows` head rows of `src` (columns col … col+DH of rows first …) into `dst`, zeros past T. */
function loadTile(layout: Layout, dst: string, src: string, rows: string, first: string, col: string, stride: string, live = 'true'): string {
  return `
  for (var e = tid; e < ${rows} * DH4; e += NT) {
    let r = e / DH4;
    let c4 = e - r * DH4;
    let t = ${first} + r;
    var v = vec4<f32>(0.0);
    if (${live} && t < T) { v = ${load4(layout, src, `(rowBase + t) * ${stride} + ${col} + c4 * 4`)}; }
    ${dst}[r * RS4 + c4] = v;
  }`;
}

/** WGSL statements: stage head h's rows in workgroup memory: q and dO from query q0 (BR rows), k and v from key k0 (BC rows). */
const loadQ = (L: Layout, live?: string) => loadTile(L, 'sQ', 'qkv', 'BR', 'q0', 'h * DH', 'stride', live);
const loadDO = (L: Layout) => loadTile(L, 'sdO', 'dctx', 'BR', 'q0', 'h * DH', 'd');
const loadK = (L: Layout) => loadTile(L, 'sK', 'qkv', 'BC', 'k0', 'd + h * DH', 'stride');
const loadV = (L: Layout) => loadTile(L, 'sV', 'qkv', 'BC', 'k0', '2 * d + h * DH', 'stride');

/** WGSL: stages key tile kt (k0, and j this thread's key) in sK, and in sV when `values`. */
const stageKeyTile = (L: Layout, values: boolean) => /* wgsl */ `
    let k0 = kt * BC;
    let j = k0 + bk;
    workgroupBarrier();
    ${loadK(L)}
    ${values ? loadV(L) : ''}`;

/** WGSL: stages query tile qt (q0, and i this thread's query) of q and dO in sQ and sdO. */
const stageQueryTile = (L: Layout) => /* wgsl */ `
    let q0 = qt * BR;
    let i = q0 + a;
    workgroupBarrier();
    ${loadQ(L)}
    ${loadDO(L)}`;

/** WGSL: `body` for each key tile kt < nkt once staged; valid says whether key j counts for query i (causal, in range). */
const forKeyTiles = (L: Layout, values: boolean, body: string) => /* wgsl */ `
  for (var kt = 0; kt < nkt; kt++) {
    ${stageKeyTile(L, values)}
    workgroupBarrier();
    let valid = i < T && j <= i;
    ${body}
  }`;

/**
 * WGSL: `body` for each of this thread's `count` vec4 chunks c4 = first + t·step of a head row that
 * lie within it (c4 is the name load4 expects).
 */
const forChunks = (count: number, first: string, step: string, body: string) => /* wgsl */ `
  for (var t = 0; t < ${count}; t++) {
    let c4 = ${first} + t * ${step};
    if (c4 < DH4) { ${body} }
  }`;

/** WGSL statement: writes the DH-element head row held as vec4 chunks, value(chunk) at element offset rowStart. */
const store4 = (rowStart: string, chunk: string, value: string) => `
  {
    let o4 = ${value};
    let at = ${rowStart} + ${chunk} * 4;
    result[at] = o4.x;
    if (${chunk} * 4 + 1 < DH) { result[at + 1] = o4.y; }
    if (${chunk} * 4 + 2 < DH) { result[at + 2] = o4.z; }
    if (${chunk} * 4 + 3 < DH) { result[at + 3] = o4.w; }
  }`;

/**
 * WGSL: `name`, the sum or max over the threads of query row a of each one's `part`, through sP
 * (the caller fences earlier reads of sP).
 */
const rowReduce = (name: string, part: string, op: 'sum' | 'max') => /* wgsl */ `
  sP[a * PS + bk] = ${part};
  workgroupBarrier();
  var ${name} = ${op === 'sum' ? '0.0' : 'NEG'};
  for (var c = 0; c < BC; c++) { ${name} = ${op === 'sum' ? `${name} + sP[a * PS + c]` : `max(${name}, sP[a * PS + c])`}; }`;

/** WGSL: the unscaled score s = q_i·k_j of this thread's query and key. */
const SCORE_DOT = /* wgsl */ `
    var s = 0.0;
    for (var c = 0; c < DH4; c++) { s += dot(sQ[a * RS4 + c], sK[bk * RS4 + c]); }`;

/**
 * WGSL: online softmax over the key tiles kt < nkt for the queries in sQ: the row max m and sum l.
 * With `values` the tiles stage v too, and `perTile` runs after each tile's update, seeing this
 * thread's p = exp(s - m) and alpha, the factor that rescales what was accumulated before.
 */
function onlineSoftmax(L: Layout, { values = false, perTile = '' } = {}): string {
  return /* wgsl */ `
  var m = NEG;
  var lPart = 0.0;
  ${forKeyTiles(
    L,
    values,
    `${SCORE_DOT}
    s = select(NEG, s * uniforms.scale, valid);
    ${rowReduce('tileMax', 's', 'max')}
    let mNew = max(m, tileMax);
    let p = select(0.0, exp(s - mNew), valid);
    let alpha = exp(m - mNew);
    m = mNew;
    lPart = lPart * alpha + p;
    ${perTile}`,
  )}
  workgroupBarrier();
  ${rowReduce('l', 'lPart', 'sum')}`;
}

/**
 * WGSL (backward): for query i and key j, given the row's log-sum-exp and D, the probability p,
 * its dropout factor z, and dS_ij into sdS.
 */
const probabilityAndScoreGrad = (lse: string, D: string) => /* wgsl */ `
      var s = 0.0;
      var dpt = 0.0;
      for (var c = 0; c < DH4; c++) {
        s += dot(sQ[a * RS4 + c], sK[bk * RS4 + c]);
        dpt += dot(sdO[a * RS4 + c], sV[bk * RS4 + c]);
      }
      let p = select(0.0, exp(s * uniforms.scale - ${lse}), valid);
      let z = dropFactor(bh, i, j);
      sdS[a * PS + bk] = select(0.0, p * (z * dpt - ${D}), valid);`;

const tileDecl = (name: string, rows: number, layout: Layout) => `var<workgroup> ${name}: array<vec4<f32>, ${(rows * rowFloats(layout.dh)) / 4}>;`;

const ATTENTION_UNIFORMS = 'T : i32, H : i32, scale : f32, seed : u32, threshold : u32, keepScale : f32, batch : i32,';

abstract class AttentionProgram implements WebGPUProgram {
  abstract variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  variableComponents?: number[];
  uniforms = ATTENTION_UNIFORMS;

  constructor(
    name: string,
    outputShape: number[],
    workgroups: number,
    protected readonly layout: Layout,
    inputs: number,
  ) {
    this.outputShape = outputShape;
    this.dispatchLayout = { x: outputShape.map((_, i) => i) };
    this.dispatch = [workgroups, 1, 1];
    this.workgroupSize = [layout.tiles[0] * layout.tiles[1], 1, 1];
    if (layout.vec4Io) this.variableComponents = new Array(inputs).fill(4);
    this.shaderKey = `fpt_attention_${name}_${layout.dh}_${layout.tiles.join('x')}_${layout.vec4Io ? 'v4' : 's'}`;
  }

  /** The kernel's WGSL: the common part, this kernel's declarations, and main = prologue + body. */
  protected shader(declarations: string[], body: string): string {
    return /* wgsl */ `
${commonWgsl(this.layout)}
${declarations.join('\n')}

fn main(index: i32) {${MAIN_PROLOGUE}${body}
}`;
  }

  abstract getUserCode(): string;
}

class ForwardProgram extends AttentionProgram {
  variableNames = ['qkv'];

  getUserCode(): string {
    const L = this.layout;
    const [br, bc] = L.tiles;
    const cpt = Math.ceil(Math.ceil(L.dh / 4) / bc); // output vec4 chunks per thread: bk, bk + BC, ...
    return this.shader(
      [tileDecl('sQ', br, L), tileDecl('sK', bc, L), tileDecl('sV', bc, L)],
      /* wgsl */ `
  ${queryTileOfWorkgroup(BATCH_HEADS)}
  ${BATCH_AND_HEAD}
  ${loadQ(L, 'live')}

  var o = array<vec4<f32>, ${cpt}>();
  ${onlineSoftmax(L, {
    values: true,
    perTile: `
    workgroupBarrier();
    sP[a * PS + bk] = p * dropFactor(bh, i, j);
    workgroupBarrier();
    for (var t = 0; t < ${cpt}; t++) { o[t] *= alpha; }
    for (var c = 0; c < BC; c++) {
      let pc = sP[a * PS + c];
      ${forChunks(cpt, 'bk', 'BC', 'o[t] += pc * sV[c * RS4 + c4];')}
    }`,
  })}
  if (live && i < T) {
    ${forChunks(cpt, 'bk', 'BC', store4('(rowBase + i) * d + h * DH', 'c4', 'o[t] / l'))}
  }`,
    );
  }
}

class BackwardProgram extends AttentionProgram {
  variableNames = ['qkv', 'ctx', 'dctx'];

  getUserCode(): string {
    const L = this.layout;
    const [br, bc] = L.tiles;
    const dh4 = Math.ceil(L.dh / 4);
    const cq = Math.ceil(dh4 / bc); // dQ chunks per thread (phase A): bk, bk + BC, ...
    const ckv = Math.ceil(dh4 / br); // dK, dV chunks per thread (phase B): a, a + BR, ...
    const parked = '(rowBase + i) * stride + d + h * DH'; // where row i's L and D wait (its first dK columns)
    return this.shader(
      [
        tileDecl('sQ', br, L),
        tileDecl('sdO', br, L),
        tileDecl('sK', bc, L),
        tileDecl('sV', bc, L),
        `var<workgroup> sdS: array<f32, ${br * (bc + 1)}>;`,
        `var<workgroup> sStat: array<vec2<f32>, ${br}>;`,
      ],
      /* wgsl */ `
  let live = wg < ${BATCH_HEADS};
  let bh = wg;
  ${BATCH_AND_HEAD}
  let nqLive = select(0, nq, live);

  // Phase A: per query tile, L_i = m_i + log l_i and D_i = dO_i·O_i, then dQ.
  for (var qt = 0; qt < nqLive; qt++) {
    ${stageQueryTile(L)}
    workgroupBarrier();
    var dPart = 0.0;
    if (i < T) {
      ${forChunks(cq, 'bk', 'BC', `dPart += dot(sdO[a * RS4 + c4], ${load4(L, 'ctx', '(rowBase + i) * d + h * DH + c4 * 4')});`)}
    }
    ${rowReduce('D', 'dPart', 'sum')}
    let nkt = ${KEY_TILES_TO_DIAGONAL};
    ${onlineSoftmax(L)}
    let lse = m + log(l);

    var dq = array<vec4<f32>, ${cq}>();
    ${forKeyTiles(
      L,
      true,
      `${probabilityAndScoreGrad('lse', 'D')}
      workgroupBarrier();
      for (var c = 0; c < BC; c++) {
        let ds = sdS[a * PS + c];
        ${forChunks(cq, 'bk', 'BC', 'dq[t] += ds * sK[c * RS4 + c4];')}
      }`,
    )}
    if (i < T) {
      ${forChunks(cq, 'bk', 'BC', store4('(rowBase + i) * stride + h * DH', 'c4', 'uniforms.scale * dq[t]'))}
      if (bk == 0) {
        result[${parked}] = lse;
        result[${parked} + 1] = D;
      }
    }
  }

  // Phase B: per key tile, dK and dV over the query tiles at or below the diagonal.
  let nk = select(0, (T + BC - 1) / BC, live);
  for (var kt = 0; kt < nk; kt++) {
    storageBarrier();
    ${stageKeyTile(L, true)}
    var dk = array<vec4<f32>, ${ckv}>();
    var dv = array<vec4<f32>, ${ckv}>();
    for (var qt = k0 / BR; qt < nq; qt++) {
      ${stageQueryTile(L)}
      if (bk == 0) {
        var st = vec2<f32>(0.0);
        if (i < T) { st = vec2<f32>(result[${parked}], result[${parked} + 1]); }
        sStat[a] = st;
      }
      workgroupBarrier();
      let valid = i < T && j <= i;
      let st = sStat[a];
      ${probabilityAndScoreGrad('st.x', 'st.y')}
      sP[a * PS + bk] = p * z;
      workgroupBarrier();
      for (var r = 0; r < BR; r++) {
        let pz = sP[r * PS + bk];
        let ds = sdS[r * PS + bk];
        ${forChunks(ckv, 'a', 'BR', 'dv[t] += pz * sdO[r * RS4 + c4]; dk[t] += ds * sQ[r * RS4 + c4];')}
      }
    }
    storageBarrier();
    if (j < T) {
      ${forChunks(
        ckv,
        'a',
        'BR',
        store4('(rowBase + j) * stride + d + h * DH', 'c4', 'uniforms.scale * dk[t]') + store4('(rowBase + j) * stride + 2 * d + h * DH', 'c4', 'dv[t]'),
      )}
    }
  }`,
    );
  }
}

class ProbabilitiesProgram extends AttentionProgram {
  variableNames = ['qkv'];

  getUserCode(): string {
    const L = this.layout;
    const [br, bc] = L.tiles;
    return this.shader(
      [tileDecl('sQ', br, L), tileDecl('sK', bc, L)],
      /* wgsl */ `
  ${queryTileOfWorkgroup('H')}
  let h = bh;
  let rowBase = uniforms.batch * T;
  ${loadQ(L, 'live')}
  ${onlineSoftmax(L)}
  ${forKeyTiles(
    L,
    false,
    `${SCORE_DOT}
    if (i < T && j < T) {
      result[(h * T + i) * T + j] = select(0.0, exp(s * uniforms.scale - m) / l, valid);
    }`,
  )}
  if (live && i < T) {
    for (var j = nkt * BC + bk; j < T; j += BC) { result[(h * T + i) * T + j] = 0.0; }
  }`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Host side

function checkLayout(qkv: tf.Tensor2D, B: number, T: number, H: number): { d: number; dh: number } {
  const [rows, cols] = qkv.shape;
  if (qkv.rank !== 2 || rows !== B * T || cols % 3 !== 0) {
    throw new Error(`attention expects qkv [B·T, 3d] = [${B * T}, 3d], got [${qkv.shape}]`);
  }
  const d = cols / 3;
  if (d % H !== 0) throw new Error(`attention: d = ${d} is not a multiple of ${H} heads`);
  const dh = d / H;
  if (dh < 2) throw new Error(`attention: head size ${dh} is below 2`);
  return { d, dh };
}

function uniformsFor(T: number, H: number, dh: number, dropout: DropoutSpec | undefined, batch = 0): ProgramUniform[] {
  return [i32u(T), i32u(H), f32u(1 / Math.sqrt(dh)), ...dropoutUniforms(dropout), i32u(batch)];
}

function layoutFor(kind: 'forward' | 'backward', dh: number, backend: WebGPUBackend): Layout {
  return { dh, tiles: chooseTiles(kind, dh, backend), vec4Io: dh % 4 === 0 };
}

/** The [queries, keys] tiles the forward or backward kernel uses for head size dh on the current WebGPU backend. */
export function attentionTiles(kind: 'forward' | 'backward', dh: number): Tiles {
  const backend = webgpuBackend();
  if (!backend) throw new Error('attention tiles exist only on the webgpu backend');
  return chooseTiles(kind, dh, backend);
}

const run = (program: WebGPUProgram, inputs: tf.Tensor[], uniforms: ProgramUniform[]): tf.Tensor => runProgram(program, inputs, uniforms);

/** [B·T, H·dh] → [B, H, T, dh] (composite path). */
const toHeads = (t: tf.Tensor, B: number, T: number, H: number, dh: number) => tf.transpose(tf.reshape(t, [B, T, H, dh]), [0, 2, 1, 3]) as tf.Tensor4D;

/** q, k, v as [B, H, T, dh] (composite path). */
function splitHeads(qkv: tf.Tensor2D, B: number, T: number, H: number, dh: number): tf.Tensor4D[] {
  return tf.split(qkv, 3, 1).map((t) => toHeads(t, B, T, H, dh));
}

const mergeHeads = (t: tf.Tensor, B: number, T: number, d: number) => tf.reshape(tf.transpose(t, [0, 2, 1, 3]), [B * T, d]) as tf.Tensor2D;

/** Causal softmax probabilities [B, H, T, T] (composite path). */
function compositeProbs(q: tf.Tensor4D, k: tf.Tensor4D, T: number, dh: number): tf.Tensor4D {
  return tf.tidy(() => {
    const mask = causalMask(T);
    return tf.softmax(tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(dh)), mask)) as tf.Tensor4D;
  });
}

/** Dropout factors [B, H, T, T] on the probabilities, or undefined without dropout (composite path). */
function compositeMask(B: number, T: number, H: number, dropout?: DropoutSpec): tf.Tensor4D | undefined {
  if (!dropout || dropout.rate === 0) return undefined;
  return tf.tensor4d(dropoutFactors(dropout.seed, B * H * T * T, dropout.rate), [B, H, T, T]);
}

/** Causal self-attention context [B·T, d] from packed qkv [B·T, 3d]; dropout on the probabilities. One dispatch on WebGPU. */
export function causalAttentionForward(qkv: tf.Tensor2D, B: number, T: number, H: number, dropout?: DropoutSpec): tf.Tensor2D {
  const { d, dh } = checkLayout(qkv, B, T, H);
  const backend = webgpuBackend();
  if (!backend) {
    return tf.tidy(() => {
      const [q, k, v] = splitHeads(qkv, B, T, H, dh);
      const probs = compositeProbs(q, k, T, dh);
      const mask = compositeMask(B, T, H, dropout);
      return mergeHeads(tf.matMul(mask ? tf.mul(probs, mask) : probs, v), B, T, d);
    });
  }
  const layout = layoutFor('forward', dh, backend);
  const program = new ForwardProgram('forward', [B * T, d], B * H * Math.ceil(T / layout.tiles[0]), layout, 1);
  return run(program, [qkv], uniformsFor(T, H, dh, dropout)) as tf.Tensor2D;
}

/** dL/dqkv [B·T, 3d] given the forward's qkv and context and dL/dcontext (same dropout as the forward). One dispatch on WebGPU. */
export function causalAttentionBackward(
  qkv: tf.Tensor2D,
  context: tf.Tensor2D,
  dContext: tf.Tensor2D,
  B: number,
  T: number,
  H: number,
  dropout?: DropoutSpec,
): tf.Tensor2D {
  const { d, dh } = checkLayout(qkv, B, T, H);
  const backend = webgpuBackend();
  if (!backend) {
    return tf.tidy(() => {
      const [q, k, v] = splitHeads(qkv, B, T, H, dh);
      const dO = toHeads(dContext, B, T, H, dh);
      const o = toHeads(context, B, T, H, dh);
      const probs = compositeProbs(q, k, T, dh);
      const mask = compositeMask(B, T, H, dropout);
      const dropped = mask ? tf.mul(probs, mask) : probs;
      const dV = tf.matMul(dropped, dO, true, false);
      const dDropped = tf.matMul(dO, v, false, true);
      const dP = mask ? tf.mul(dDropped, mask) : dDropped;
      const D = tf.sum(tf.mul(dO, o), -1, true);
      const dS = tf.mul(probs, tf.sub(dP, D));
      const scale = 1 / Math.sqrt(dh);
      const dQ = tf.mul(tf.matMul(dS, k), scale);
      const dK = tf.mul(tf.matMul(dS, q, true, false), scale);
      return tf.concat([mergeHeads(dQ, B, T, d), mergeHeads(dK, B, T, d), mergeHeads(dV, B, T, d)], 1) as tf.Tensor2D;
    });
  }
  const layout = layoutFor('backward', dh, backend);
  const program = new BackwardProgram('backward', [B * T, 3 * d], B * H, layout, 3);
  return run(program, [qkv, context, dContext], uniformsFor(T, H, dh, dropout)) as tf.Tensor2D;
}

/** Softmax attention probabilities [H, T, T] of batch element `batchIndex` (no dropout), for heatmaps. One dispatch on WebGPU. */
export function attentionProbabilities(qkv: tf.Tensor2D, B: number, T: number, H: number, batchIndex: number): tf.Tensor3D {
  const { dh } = checkLayout(qkv, B, T, H);
  if (!(Number.isInteger(batchIndex) && batchIndex >= 0 && batchIndex < B)) {
    throw new Error(`attention: batch index ${batchIndex} is outside 0..${B - 1}`);
  }
  const backend = webgpuBackend();
  if (!backend) {
    return tf.tidy(() => {
      const rows = tf.slice(qkv, [batchIndex * T, 0], [T, 3 * H * dh]) as tf.Tensor2D;
      const [q, k] = splitHeads(rows, 1, T, H, dh);
      return tf.reshape(compositeProbs(q, k, T, dh), [H, T, T]) as tf.Tensor3D;
    });
  }
  const layout = layoutFor('forward', dh, backend);
  const program = new ProbabilitiesProgram('probabilities', [H, T, T], H * Math.ceil(T / layout.tiles[0]), layout, 1);
  return run(program, [qkv], uniformsFor(T, H, dh, undefined, batchIndex)) as tf.Tensor3D;
}

/** Causal self-attention, differentiable with respect to qkv through the kernels above. */
export function causalAttention(qkv: tf.Tensor2D, B: number, T: number, H: number, dropout?: DropoutSpec): tf.Tensor2D {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as tf.Tensor2D;
    const save = args[1] as tf.GradSaveFunc;
    const context = causalAttentionForward(x, B, T, H, dropout);
    save([x, context]);
    return {
      value: context,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [
        causalAttentionBackward(saved[0] as tf.Tensor2D, saved[1] as tf.Tensor2D, dy as tf.Tensor2D, B, T, H, dropout),
      ],
    };
  });
  return f(qkv) as tf.Tensor2D;
}
