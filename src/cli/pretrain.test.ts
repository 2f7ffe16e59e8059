import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readLmCheckpoint } from '../engine/lm/checkpoint';
import { FptModel } from '../engine/model';
import { tf } from '../engine/tf';
import { loadGpt2CheckpointDir, loadGpt2ManifestDir } from '../weights/checkpoint-node';
import { float16BitsToFloat32, float32ToFloat16Bits } from '../weights/float16';
import { loadGpt2FromManifest } from '../weights/load-manifest';
import { startLocalServer } from '../weights/local-server';
import { directoryFiles } from '../weights/shard-test-support';
import { resolveModel } from './models';
import { pretrain } from './pretrain';

const dir = mkdtempSync(join(tmpdir(), 'fpt-pretrain-'));
const corpusFile = join(dir, 'text.txt');
writeFileSync(corpusFile, Array.from({ length: 200 }, (_, i) => `Line ${i}: the quick brown fox jumps over the lazy dog.`).join('\n'));
const out = join(dir, 'tiny-lm');
const args = [
  '--corpus',
  corpusFile,
  '--layers',
  '2',
  '--width',
  '16',
  '--heads',
  '2',
  '--context',
  '16',
  '--positions',
  '32',
  '--batch',
  '4',
  '--eval-every',
  '2',
  '--eval-windows',
  '4',
  '--save-every',
  '4',
  '--backend',
  'wasm',
  '--samples',
  'Line',
  '--out',
  out,
];
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const f16 = (x: number) => float16BitsToFloat32(float32ToFloat16Bits(x));

describe('fpt pretrain output', () => {
  it('is a Hugging Face checkpoint with wte plus its shards, loadable by --model, the Node and the HTTP manifest loaders', async () => {
    expect(await pretrain([...args, '--steps', '4'])).toBe(0);
    const hfConfig = JSON.parse(readFileSync(join(out, 'hf', 'config.json'), 'utf8'));
    expect(hfConfig).toMatchObject({
      model_type: 'gpt2',
      architectures: ['GPT2LMHeadModel'],
      vocab_size: 256,
      n_layer: 2,
      n_embd: 16,
      n_head: 2,
      n_positions: 32,
      tie_word_embeddings: true,
    });
    const hf = readLmCheckpoint(hfConfig, readFileSync(join(out, 'hf', 'model.safetensors')), out);
    expect(hf.tensors.get('wte.weight')!.shape).toEqual([256, 16]);

    // The existing loaders: Hugging Face directory, converted directory (wte kept in the shards, skipped), --model.
    const viaHf = await loadGpt2CheckpointDir(join(out, 'hf'));
    const viaShards = await loadGpt2ManifestDir(out);
    expect(viaShards.manifest.tensors.find((t) => t.name === 'wte.weight')?.shape).toEqual([256, 16]);
    expect(viaShards.tensors.has('wte.weight')).toBe(false);
    for (const [name, t] of viaHf.tensors) {
      expect(Array.from(t.data)).toEqual(Array.from(hf.tensors.get(name)!.data));
      expect(Array.from(viaShards.tensors.get(name)!.data), name).toEqual(Array.from(t.data, f16));
    }
    const model = await resolveModel(out, true);
    expect(model.config).toEqual({ nLayer: 2, nEmbd: 16, nHead: 2, nPositions: 32, layerNormEps: 1e-5, activation: 'gelu_new' });

    // The page's loader, over HTTP.
    const files = new Map([...directoryFiles(join(out, 'hf'), '/models/tiny-lm/hf')]);
    for (const name of ['manifest.json', 'config.json', 'shard-000.bin']) files.set(`/models/tiny-lm/${name}`, new Uint8Array(readFileSync(join(out, name))));
    const server = await startLocalServer({ files });
    try {
      const loaded = await loadGpt2FromManifest(`${server.url}/models/tiny-lm/manifest.json`, { progressIntervalMs: 0 });
      expect(loaded.config).toEqual(model.config);
      expect(Array.from(loaded.tensors.get('h.1.mlp.c_fc.weight')!.data)).toEqual(Array.from(viaShards.tensors.get('h.1.mlp.c_fc.weight')!.data));
    } finally {
      await server.close();
    }

    // Frozen under the FPT groups on Bit XOR's shape (10 tokens, 2 classes from the last token).
    const fpt = new FptModel(
      model.config,
      { input: { kind: 'vector', dim: 1 }, seqLen: 10, outputTokens: 1, labelsPerToken: 1, classes: 2 },
      model.checkpoint!.tensors,
      new Map([
        ['in.weight', { shape: [1, 16], data: new Float32Array(16).fill(0.1) }],
        ['in.bias', { shape: [16], data: new Float32Array(16) }],
        ['out.weight', { shape: [16, 2], data: new Float32Array(32).fill(0.01) }],
        ['out.bias', { shape: [2], data: new Float32Array(2) }],
      ]),
    );
    const logits = fpt.forward(tf.ones([3, 10, 1]), { training: false }).logits;
    expect(logits.shape).toEqual([3, 2]);
    expect(logits.dataSync().every(Number.isFinite)).toBe(true);
    fpt.dispose();
  });

  it('resumes where it stopped (same batches, optimizer state kept), and refuses a run with other settings', async () => {
    const state = () => JSON.parse(readFileSync(join(out, 'train', 'state.json'), 'utf8'));
    expect(state().step).toBe(4);
    expect(await pretrain([...args, '--steps', '6'])).toBe(0);
    expect(state().step).toBe(6);
    expect(state().curve.map((p: { step: number }) => p.step)).toEqual([2, 4, 6]);
    expect(JSON.parse(readFileSync(join(out, 'hf', 'config.json'), 'utf8')).fpt_pretrain.steps).toBe(6);

    // The same 6 steps in one go give the same weights: resuming changes nothing.
    const straight = join(dir, 'straight');
    expect(await pretrain([...args.slice(0, -1), straight, '--steps', '6'])).toBe(0);
    const a = readFileSync(join(out, 'hf', 'model.safetensors'));
    const b = readFileSync(join(straight, 'hf', 'model.safetensors'));
    expect(Buffer.compare(a, b)).toBe(0);

    await expect(pretrain([...args, '--width', '32', '--steps', '8'])).rejects.toThrow('holds a run with --width 16');
  });

  it('says what is wrong with bad input and writes nothing', async () => {
    const nowhere = join(dir, 'never');
    await expect(pretrain(['--corpus', join(dir, 'missing.txt'), '--out', nowhere, '--backend', 'wasm'])).rejects.toThrow('no such file');
    await expect(pretrain(['--width', '30', '--heads', '4', '--out', nowhere])).rejects.toThrow('--width must be divisible by --heads');
    await expect(pretrain(['--steps', 'many', '--out', nowhere])).rejects.toThrow('--steps must be a number');
    await expect(pretrain(['--context', '64', '--positions', '32', '--out', nowhere])).rejects.toThrow('--positions must be at least --context');
    expect(existsSync(nowhere)).toBe(false);
  });
});
