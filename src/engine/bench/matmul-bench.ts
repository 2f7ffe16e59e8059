/**
 * Matrix-product throughput of the fused kernel and of tf.matMul on the current backend. Each timed
 * run queues `repeats` products and waits for a one-element slice of the last: reading a whole
 * 2048² result back would take longer than the product itself on a fast GPU.
 */
import { tf } from '../tf';
import { matmul } from '../kernels/matmul';

export interface MatmulBench {
  backend: string;
  fused_tflops: number;
  tfjs_tflops: number;
  fused_ms_median: number;
  tfjs_ms_median: number;
  repeats: number;
  runs: number;
}

async function timeMs(run: () => tf.Tensor, repeats: number): Promise<number> {
  const t0 = performance.now();
  let last: tf.Tensor | null = null;
  for (let i = 0; i < repeats; i++) {
    last?.dispose();
    last = run();
  }
  const probe = tf.slice(last!, [0, 0], [1, 1]);
  await probe.data();
  const ms = (performance.now() - t0) / repeats;
  tf.dispose([probe, last!]);
  return ms;
}

const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];

export async function benchMatmul(M: number, N: number, K: number, runs = 7, warmup = 2): Promise<MatmulBench> {
  const a = tf.randomUniform([M, K], -1, 1) as tf.Tensor2D;
  const b = tf.randomUniform([K, N], -1, 1) as tf.Tensor2D;
  const fused = () => matmul(a, b);
  const plain = () => tf.matMul(a, b);
  try {
    // Warm-up compiles the pipelines and estimates how many products make a ~50 ms run.
    let estimate = Infinity;
    for (let i = 0; i < warmup; i++) estimate = Math.min(estimate, await timeMs(fused, 1), await timeMs(plain, 1));
    const repeats = Math.max(1, Math.min(100, Math.ceil(50 / Math.max(estimate, 1e-3))));
    const times = { fused: [] as number[], tfjs: [] as number[] };
    for (let i = 0; i < runs; i++) {
      times.fused.push(await timeMs(fused, repeats));
      times.tfjs.push(await timeMs(plain, repeats));
    }
    const tflops = (ms: number) => Number(((2 * M * N * K) / (ms * 1e-3) / 1e12).toPrecision(3));
    const fusedMs = median(times.fused);
    const tfjsMs = median(times.tfjs);
    return {
      backend: tf.getBackend(),
      fused_tflops: tflops(fusedMs),
      tfjs_tflops: tflops(tfjsMs),
      fused_ms_median: Number(fusedMs.toPrecision(4)),
      tfjs_ms_median: Number(tfjsMs.toPrecision(4)),
      repeats,
      runs,
    };
  } finally {
    tf.dispose([a, b]);
  }
}
