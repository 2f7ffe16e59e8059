/**
 * `npm run bench -- [--json] [--count-only] [--engine fused|composite|both] [--case TEXT] [--steps N] [--warmup N] [--matmul 1024,2048]`
 *   the FPT train step on WebGPU (Node, dawn.node), see bench-step.ts.
 * `npm run bench -- load [--json] [--keep]`: the weight pipeline, see bench-load.ts.
 * `npm run bench -- soak [--steps 10000] [--backend cpu,webgpu] [--sample-every 1000] [--warmup 100] [--json]`: memory over a long run, see bench-soak.ts.
 */
import { parseArgs } from 'node:util';
import { startBackend } from '../engine/backend';
import { installNodeWebGpu } from '../engine/node-webgpu';
import { tf } from '../engine/tf';
import { benchLoad } from './bench-load';
import { benchSoak } from './bench-soak';
import { benchStep, countStepDispatches, machine, STEP_CASES, type Engine, type StepFigures } from './bench-step';
import { benchMatmul } from '../engine/bench/matmul-bench';

const USAGE = `usage: bench [--json] [--count-only] [--engine fused|composite|both] [--case TEXT] [--steps N] [--warmup N] [--matmul N,N]
       bench load [--json] [--keep]
       bench soak [--steps 10000] [--backend cpu,webgpu] [--sample-every 1000] [--warmup 100] [--json]`;

async function benchSteps(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      json: { type: 'boolean', default: false },
      'count-only': { type: 'boolean', default: false },
      engine: { type: 'string', default: 'both' },
      case: { type: 'string' },
      steps: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '3' },
      matmul: { type: 'string' },
      backend: { type: 'string', default: 'webgpu' },
    },
  });
  const engines: Engine[] = values.engine === 'both' ? ['composite', 'fused'] : [values.engine as Engine];
  if (!engines.every((e) => e === 'composite' || e === 'fused')) throw new Error(`--engine must be fused, composite or both, not ${values.engine}`);
  if (values.backend === 'webgpu') installNodeWebGpu();
  tf.enableProdMode();
  const info = await startBackend([values.backend as 'webgpu' | 'cpu'], true);
  const header = {
    benchmark: 'train-step',
    machine: machine(),
    backend: info.name,
    adapter: info.adapter ?? info.name,
    dropout: 0.1,
    groups: 'input,output,positions,layernorm',
  };
  const emit = (line: object) => console.log(values.json ? JSON.stringify(line) : JSON.stringify(line, null, 2));
  emit(header);

  // --count-only: one GPT-2-small step at B=8 T=64, work skipped, dispatches counted.
  const cases = values['count-only'] ? STEP_CASES.slice(0, 1) : STEP_CASES.filter((c) => !values.case || c.name.includes(values.case));
  const results: StepFigures[] = [];
  for (const c of cases) {
    for (const engine of engines) {
      const figures = values['count-only'] ? await countStepDispatches(c, engine) : await benchStep(c, engine, Number(values.steps), Number(values.warmup));
      results.push(figures);
      emit(figures);
    }
  }
  if (values.matmul) {
    for (const n of values.matmul.split(',').map(Number)) emit({ matmul: `${n}x${n}x${n}`, ...(await benchMatmul(n, n, n)) });
  }
  if (engines.length === 2) {
    for (const c of cases) {
      const [composite, fused] = engines.map((e) => results.find((r) => r.case === c.name && r.engine === e)!);
      emit({
        case: c.name,
        dispatches: { composite: composite.dispatches_per_step, fused: fused.dispatches_per_step },
        ...(composite.train_step_ms_median && fused.train_step_ms_median
          ? { fused_speedup: Math.round((composite.train_step_ms_median / fused.train_step_ms_median) * 100) / 100 }
          : {}),
      });
    }
  }
  return 0;
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'cpu') return (await import('./bench-cpu')).benchCpu(argv.slice(1));
  if (argv[0] === 'load') {
    const { values } = parseArgs({ args: argv.slice(1), options: { json: { type: 'boolean', default: false }, keep: { type: 'boolean', default: false } } });
    await benchLoad(values.json!, values.keep!);
    return 0;
  }
  if (argv[0] === 'soak') {
    const { values } = parseArgs({
      args: argv.slice(1),
      options: {
        steps: { type: 'string', default: '10000' },
        backend: { type: 'string', default: 'cpu,webgpu' },
        'sample-every': { type: 'string', default: '1000' },
        warmup: { type: 'string', default: '100' },
        json: { type: 'boolean', default: false },
      },
    });
    const steps = Number(values.steps);
    const sampleEvery = Number(values['sample-every']);
    if (!Number.isSafeInteger(steps) || steps < 1) throw new Error(`--steps must be a whole number of at least 1, not "${values.steps}"`);
    if (!Number.isSafeInteger(sampleEvery) || sampleEvery < 1)
      throw new Error(`--sample-every must be a whole number of at least 1, not "${values['sample-every']}"`);
    const warmup = Number(values.warmup);
    if (!Number.isSafeInteger(warmup) || warmup < 1) throw new Error(`--warmup must be a whole number of at least 1, not "${values.warmup}"`);
    const backends = values.backend!.split(',').map((b) => b.trim());
    if (!backends.every((b) => b === 'cpu' || b === 'webgpu')) throw new Error(`--backend must list cpu and/or webgpu, not "${values.backend}"`);
    await benchSoak({ steps, sampleEvery, warmup, backends: backends as ('cpu' | 'webgpu')[], json: values.json! });
    return 0;
  }
  if (argv.includes('--help')) {
    console.log(USAGE);
    return 0;
  }
  return benchSteps(argv);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`bench: ${err.message}`);
    if (process.env.DEBUG) console.error(err.stack);
    console.error(USAGE);
    process.exit(1);
  },
);
