/**
 * `npm run bench -- cpu [--json] [--steps N] [--rounds R] [--warmup N] [--case TEXT] [--no-torch]`: the FPT train
 * step (frozen GPT-2-shaped blocks with random weights; trainable input layer, positions, layer norms,
 * output head; clipping and Adam as the Trainer runs them; no dropout) at B=16, T=10, 16-dim input, 10 classes, on TF.js's
 * plain JavaScript `cpu` backend, on its `wasm` backend, and in PyTorch on the same CPU
 * (bench/torch_fpt_step.py, run with `python3`; skipped with a note where torch is missing).
 * Median milliseconds per step (R rounds of N timed steps per column, the columns alternating) and
 * the ratios.
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startBackend, type BackendName } from '../engine/backend';
import { tf } from '../engine/tf';
import { GPT2_PRESETS, type Gpt2Config } from '../weights/gpt2-checkpoint';
import { machine, StepRig, type StepCase } from './bench-step';

const OPTIONS = {
  json: { type: 'boolean', default: false },
  steps: { type: 'string', default: '10' },
  rounds: { type: 'string', default: '3' },
  warmup: { type: 'string', default: '3' },
  case: { type: 'string' },
  'no-torch': { type: 'boolean', default: false },
} as const;

const shape = (nLayer: number, nEmbd: number, nHead: number): Gpt2Config => ({ ...GPT2_PRESETS.gpt2, nLayer, nEmbd, nHead });

/** The committed tiny model's shape, and the mini language model's (models/mini-brown-gpt2). */
export const CPU_CASES: StepCase[] = [
  { name: 'tiny (2x64, 4 heads) B=16 T=10', config: shape(2, 64, 4), batch: 16, seqLen: 10 },
  { name: 'mini (4x128, 4 heads) B=16 T=10', config: shape(4, 128, 4), batch: 16, seqLen: 10 },
];

const TORCH_SCRIPT = resolve(import.meta.dirname, '../../bench/torch_fpt_step.py');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x: number) => Math.round(x * 100) / 100;

/** Step times (ms) of `steps` steps after `warmup`, on a fresh model on `backend`. */
async function tfjsStepTimes(c: StepCase, backend: BackendName, steps: number, warmup: number): Promise<{ times: number[]; adapter: string }> {
  const info = await startBackend([backend], true);
  // Composite body (the fused kernels are WebGPU's) and the Trainer's optimizer (FusedAdam: a host loop on wasm, composite ops on cpu).
  const rig = new StepRig(c, 'composite', 0, 'fused');
  try {
    for (let i = 0; i < warmup; i++) await rig.step();
    const times: number[] = [];
    for (let i = 0; i < steps; i++) {
      const start = performance.now();
      await rig.step();
      times.push(performance.now() - start);
    }
    return { times, adapter: info.adapter ?? info.name };
  } finally {
    rig.dispose();
  }
}

export type TorchResult = { times: number[]; threads: number; version: string; python: string } | { skipped: string };

/**
 * Pythons tried in order for PyTorch: $FPT_TORCH_PYTHON, the `python3` on PATH, then Debian's own
 * (where python3-torch installs; a pyenv or venv python3 on PATH does not see it).
 */
const PYTHONS = [...new Set([process.env.FPT_TORCH_PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p))];

/** PyTorch on the same CPU; OpenBLAS tuning variables set for this machine are left out for it alone. */
function torchStepTimes(c: StepCase, steps: number, warmup: number): TorchResult {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const args = [
    TORCH_SCRIPT,
    `L=${c.config.nLayer}`,
    `D=${c.config.nEmbd}`,
    `H=${c.config.nHead}`,
    `B=${c.batch}`,
    `T=${c.seqLen}`,
    `steps=${steps}`,
    `warmup=${warmup}`,
  ];
  const reasons: string[] = [];
  for (const python of PYTHONS) {
    const run = spawnSync(python, args, { env, encoding: 'utf8', timeout: 300_000 });
    if (run.error) {
      reasons.push(`${python}: ${run.error.message}`);
      continue;
    }
    if (run.status !== 0) {
      reasons.push(
        `${python}: ${/No module named 'torch'/.test(run.stderr) ? 'no torch module' : (run.stderr.trim().split('\n').pop() ?? `exit ${run.status}`)}`,
      );
      continue;
    }
    const line = JSON.parse(run.stdout.trim().split('\n').pop()!) as { torch: string; threads: number; train_step_ms: number[] };
    return { times: line.train_step_ms, threads: line.threads, version: line.torch, python };
  }
  return { skipped: `PyTorch not found (${reasons.join('; ')}); Debian: apt-get install python3-torch libopenblas0-pthread` };
}

/**
 * One case's line: the three columns' median ms and the ratios (wasm's speed-up over cpu, wasm and
 * cpu over PyTorch), or the note saying why PyTorch was skipped.
 */
export function cpuRow(name: string, cpu: number[], wasm: number[], wasmBackend: string, torch: TorchResult): Record<string, unknown> {
  const [cpuMs, wasmMs] = [median(cpu), median(wasm)];
  const row: Record<string, unknown> = {
    case: name,
    cpu_ms_median: round(cpuMs),
    wasm_ms_median: round(wasmMs),
    wasm_backend: wasmBackend,
    wasm_speedup_over_cpu: round(cpuMs / wasmMs),
  };
  if ('skipped' in torch) row.torch = `skipped: ${torch.skipped}`;
  else {
    const torchMs = median(torch.times);
    Object.assign(row, {
      torch_ms_median: round(torchMs),
      torch_threads: torch.threads,
      torch_version: torch.version,
      torch_python: torch.python,
      wasm_over_torch: round(wasmMs / torchMs),
      cpu_over_torch: round(cpuMs / torchMs),
    });
  }
  row.samples_per_column = cpu.length;
  return row;
}

export async function benchCpu(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: OPTIONS });
  const steps = Number(values.steps);
  const warmup = Number(values.warmup);
  if (!Number.isInteger(steps) || steps < 1 || !Number.isInteger(warmup) || warmup < 0)
    throw new Error('--steps must be a positive integer and --warmup a non-negative one');
  tf.enableProdMode();
  const emit = (line: object) => console.log(values.json ? JSON.stringify(line) : JSON.stringify(line, null, 2));
  emit({
    benchmark: 'cpu-train-step',
    machine: machine(),
    load_average_1m: round(loadavg()[0]),
    dropout: 0,
    groups: 'input,output,positions,layernorm',
    optimizer: "the Trainer's FusedAdam (clip + Adam: one host loop on wasm, composite TF.js ops on cpu)",
    steps,
    warmup,
  });
  const cases = CPU_CASES.filter((c) => !values.case || c.name.includes(values.case));
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds must be a positive integer');
  for (const c of cases) {
    // The columns are measured in alternating rounds, so a change of load on a shared machine falls on all three.
    const cpu: number[] = [];
    const wasm: number[] = [];
    const torchTimes: number[] = [];
    let wasmAdapter = '';
    let torch: TorchResult = { skipped: '--no-torch' };
    for (let r = 0; r < rounds; r++) {
      cpu.push(...(await tfjsStepTimes(c, 'cpu', steps, warmup)).times);
      const w = await tfjsStepTimes(c, 'wasm', steps, warmup);
      wasm.push(...w.times);
      wasmAdapter = w.adapter;
      if (!values['no-torch'] && !('skipped' in torch && r > 0)) {
        torch = torchStepTimes(c, steps, warmup);
        if (!('skipped' in torch)) torchTimes.push(...torch.times);
      }
    }
    emit({ ...cpuRow(c.name, cpu, wasm, wasmAdapter, 'skipped' in torch ? torch : { ...torch, times: torchTimes }), load_average_1m: round(loadavg()[0]) });
  }
  return 0;
}
