/**
 * Layer-0 attention on Bit XOR before and after training, for the transfer experiment (README,
 * docs/mini-model.md): for each body (the checkpoint frozen under the FPT groups, and the same shape
 * with a random or statistics-only body), the attention probabilities of one held-out example at
 * step 0 and after --steps steps, written as PNG images (one map per head and their mean, viridis,
 * query tokens down, key tokens across; a1..a5 b1..b5) and as JSON beside them.
 *
 *   npx tsx scripts/attention-maps.ts --model models/mini-brown-gpt2 --steps 300 --inits pretrained,random \
 *     --backend wasm --out docs/images
 * Needs ImageMagick's `convert` for the PNGs (it turns the PPM the script writes into PNG).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { viridis } from '../src/app/components/colormap';
import { resolveModel } from '../src/cli/models';
import { startBackend, type BackendName } from '../src/engine/backend';
import type { BackboneInit } from '../src/engine/backbone';
import { FPT_DEFAULT_GROUPS } from '../src/engine/groups';
import { createTask } from '../src/engine/tasks';
import { runTrainingLoop } from '../src/engine/train/training-loop';
import { Trainer, type AttentionMap } from '../src/engine/train/trainer';
import { tf } from '../src/engine/tf';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'models/mini-brown-gpt2' },
    steps: { type: 'string', default: '300' },
    batch: { type: 'string', default: '16' },
    lr: { type: 'string', default: '1e-3' },
    seed: { type: 'string', default: '0' },
    inits: { type: 'string', default: 'pretrained,random' },
    backend: { type: 'string', default: 'wasm' },
    out: { type: 'string', default: 'docs/images' },
  },
});

/** Heads side by side, then their mean; each cell `scale` pixels, a 1-cell gap between maps. */
function writePng(map: AttentionMap, path: string, scale = 16): void {
  const { heads, seqLen: T, probs } = map;
  const mean = new Float32Array(T * T);
  for (let h = 0; h < heads; h++) for (let i = 0; i < T * T; i++) mean[i] += probs[h * T * T + i] / heads;
  const maps = [...Array.from({ length: heads }, (_, h) => probs.subarray(h * T * T, (h + 1) * T * T)), mean];
  const width = (maps.length * (T + 1) - 1) * scale;
  const height = T * scale;
  const pixels = new Uint8Array(width * height * 3).fill(255);
  maps.forEach((m, k) => {
    for (let q = 0; q < T; q++)
      for (let key = 0; key < T; key++) {
        const rgb = viridis(m[q * T + key]);
        for (let dy = 0; dy < scale; dy++)
          for (let dx = 0; dx < scale; dx++) pixels.set(rgb, ((q * scale + dy) * width + (k * (T + 1) + key) * scale + dx) * 3);
      }
  });
  const ppm = `${path}.ppm`;
  writeFileSync(ppm, Buffer.concat([Buffer.from(`P6 ${width} ${height} 255\n`), pixels]));
  execFileSync('convert', [ppm, path]);
  rmSync(ppm);
}

tf.enableProdMode();
await startBackend([values.backend as BackendName], true);
const model = await resolveModel(values.model!, true);
const task = await createTask('bit-xor', {});
mkdirSync(values.out!, { recursive: true });
const summary: Record<string, unknown>[] = [];
for (const init of values.inits!.split(',') as BackboneInit[]) {
  const trainer = new Trainer(
    task,
    model.config,
    init,
    { batchSize: Number(values.batch), lr: Number(values.lr), randomInit: 'hf-scaled', seed: Number(values.seed), groups: FPT_DEFAULT_GROUPS, evalBatches: 8 },
    model.checkpoint!.tensors,
  );
  const before = await trainer.attention(0);
  const curve = await runTrainingLoop(trainer, { steps: Number(values.steps), evalEvery: Number(values.steps) });
  const after = await trainer.attention(0);
  const example = task.describe?.(trainer.previewBatch, 0);
  trainer.dispose();
  for (const [when, map] of [
    ['step0', before],
    [`step${values.steps}`, after],
  ] as const) {
    const name = `bit-xor-attention-${init}-${when}`;
    writePng(map, join(values.out!, `${name}.png`));
    summary.push({ init, when, file: `${name}.png`, heads: map.heads, seqLen: map.seqLen, probs: Array.from(map.probs, (p) => Math.round(p * 1e4) / 1e4) });
  }
  console.log(JSON.stringify({ init, test_acc: curve.at(-1)!.testAccuracy, example }));
}
writeFileSync(join(values.out!, 'bit-xor-attention.json'), `${JSON.stringify({ settings: values, maps: summary })}\n`);
process.exit(0);
