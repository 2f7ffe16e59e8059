/**
 * `npm run bench -- soak [--steps 10000] [--backend cpu,webgpu] [--sample-every 1000] [--warmup 100] [--json]`: a
 * long run of the real trainer (tiny GPT-2 from models/tiny-gpt2, bit-xor, batch 4, evaluation at
 * every sample) to show that memory stays flat. At the start (after a warm-up of 100 steps), at every
 * sample and at the end it records the JS heap (after a full garbage collection), the TF.js tensor
 * count and bytes, and on WebGPU the bytes the backend holds on the GPU (in use and allocated, its
 * buffer pool included); it prints them and the growth per 1,000 steps (least-squares slope over the
 * samples). Memory is flat when the tensor figures do not move and the heap slope is noise (a few
 * KB per 1,000 steps). WebGPU runs on dawn.node (the npm package `webgpu`; SwiftShader without a GPU).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startBackend, type BackendName } from '../engine/backend';
import { createTask } from '../engine/tasks';
import { nodeTaskData } from '../engine/tasks/node-data';
import { tf } from '../engine/tf';
import { Trainer } from '../engine/train/trainer';
import { machine } from './bench-step';
import { resolveModel } from './models';

export interface SoakOptions {
  steps: number;
  backends: ('cpu' | 'webgpu')[];
  sampleEvery: number;
  /** Steps before the first sample (pipelines compiled, optimizer state and buffer pools filled). */
  warmup: number;
  json: boolean;
}

interface MemorySample {
  step: number;
  heap_bytes: number;
  tensors: number;
  tensor_bytes: number;
  /** WebGPU: bytes of live tensors on the GPU, and all the backend allocated (its buffer pool included). */
  gpu_bytes?: number;
  gpu_allocated_bytes?: number;
}

/** A full collection, so heap figures measure what is still referenced. */
function collector(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

function sample(step: number, gc: () => void): MemorySample {
  gc();
  gc();
  const memory = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number; numBytesInGPUAllocated?: number; numBytesAllocatedInGPU?: number };
  const figures: MemorySample = { step, heap_bytes: process.memoryUsage().heapUsed, tensors: memory.numTensors, tensor_bytes: memory.numBytes };
  if (memory.numBytesInGPU !== undefined) figures.gpu_bytes = memory.numBytesInGPU;
  const allocated = memory.numBytesInGPUAllocated ?? memory.numBytesAllocatedInGPU;
  if (allocated !== undefined) figures.gpu_allocated_bytes = allocated;
  return figures;
}

/** Least-squares slope of `value` against step, per 1,000 steps. */
function slopePer1000(samples: MemorySample[], value: (s: MemorySample) => number | undefined): number | null {
  const points = samples.map((s) => [s.step, value(s)] as const).filter((p): p is readonly [number, number] => p[1] !== undefined);
  if (points.length < 2) return null;
  const meanX = points.reduce((a, p) => a + p[0], 0) / points.length;
  const meanY = points.reduce((a, p) => a + p[1], 0) / points.length;
  const sxx = points.reduce((a, p) => a + (p[0] - meanX) ** 2, 0);
  const sxy = points.reduce((a, p) => a + (p[0] - meanX) * (p[1] - meanY), 0);
  return Math.round((1000 * sxy) / sxx);
}

async function soakOne(backend: 'cpu' | 'webgpu', options: SoakOptions, gc: () => void) {
  if (backend === 'webgpu') (await import('../engine/node-webgpu')).installNodeWebGpu();
  tf.enableProdMode();
  const info = await startBackend([backend as BackendName], true);
  const model = await resolveModel('tiny', true);
  const task = await createTask('bit-xor', { data: nodeTaskData() });
  const trainer = new Trainer(
    task,
    model.config,
    'pretrained',
    { batchSize: 4, lr: 1e-3, seed: 0, evalBatches: 5, dropout: 0.1, fused: 'auto' },
    model.checkpoint!.tensors,
  );
  const started = performance.now();
  try {
    for (let i = 0; i < options.warmup; i++) await trainer.step();
    await trainer.evaluate();
    const samples = [sample(0, gc)];
    let loss = NaN;
    for (let step = 1; step <= options.steps; step++) {
      loss = (await trainer.step()).loss;
      if (step % options.sampleEvery === 0 || step === options.steps) {
        await trainer.evaluate();
        samples.push(sample(step, gc));
        const now = samples[samples.length - 1];
        const gpu = now.gpu_bytes === undefined ? '' : `, GPU ${now.gpu_bytes} B in use, ${now.gpu_allocated_bytes ?? '?'} B allocated`;
        if (!options.json)
          process.stderr.write(
            `  ${backend}: step ${step}/${options.steps}, loss ${loss.toFixed(4)}, heap ${now.heap_bytes} B, ${now.tensors} tensors, ${now.tensor_bytes} B${gpu}\n`,
          );
      }
    }
    const [first, last] = [samples[0], samples[samples.length - 1]];
    return {
      benchmark: 'soak',
      backend: info.adapter ? `${info.name} (${info.adapter})` : info.name,
      model: model.label,
      task: 'bit-xor',
      steps: options.steps,
      warmup_steps: options.warmup,
      final_loss: loss,
      seconds: Math.round((performance.now() - started) / 100) / 10,
      start: first,
      end: last,
      growth_per_1000_steps: {
        heap_bytes: slopePer1000(samples, (s) => s.heap_bytes),
        tensors: slopePer1000(samples, (s) => s.tensors),
        tensor_bytes: slopePer1000(samples, (s) => s.tensor_bytes),
        gpu_bytes: slopePer1000(samples, (s) => s.gpu_bytes),
        gpu_allocated_bytes: slopePer1000(samples, (s) => s.gpu_allocated_bytes),
      },
      samples,
    };
  } finally {
    trainer.dispose();
  }
}

export async function benchSoak(options: SoakOptions): Promise<void> {
  const gc = collector();
  const emit = (line: object) => console.log(options.json ? JSON.stringify(line) : JSON.stringify(line, null, 2));
  emit({ benchmark: 'soak', machine: machine(), steps: options.steps, warmup: options.warmup, sample_every: options.sampleEvery, backends: options.backends });
  for (const backend of options.backends) {
    const result = await soakOne(backend, options, gc);
    if (options.json) emit(result);
    else {
      const { samples: _, ...summary } = result;
      emit(summary);
    }
  }
}
