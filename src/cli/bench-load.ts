/**
 * `npm run bench -- load [--json] [--keep]`: the weight pipeline end to end on a GPT-2-small-shaped
 * random checkpoint (real layout: wte, wpe, 12 blocks with their attention-mask buffers, ln_f; F32,
 * like the hub's file). Writes it to a temp dir, converts it (F16, 16 MiB shards), serves it from
 * 127.0.0.1, then loads it with the browser loader: cold (empty cache), warm (complete cache), and
 * straight from the raw file with Range requests (the Hugging Face direct path).
 */
import { mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertToDirectory } from '../weights/convert-node';
import { GPT2_PRESETS, gpt2TensorShapes } from '../weights/gpt2-config';
import { loadGpt2FromHub } from '../weights/load-hub';
import { loadGpt2FromManifest, type LoadedGpt2 } from '../weights/load-manifest';
import { startLocalServer } from '../weights/local-server';
import { MemoryWeightCache } from '../weights/weight-cache';
import { machine } from './bench-step';

const HF_GPT2_CONFIG = {
  activation_function: 'gelu_new',
  architectures: ['GPT2LMHeadModel'],
  layer_norm_epsilon: 1e-5,
  model_type: 'gpt2',
  n_ctx: 1024,
  n_embd: 768,
  n_head: 12,
  n_layer: 12,
  n_positions: 1024,
  vocab_size: 50257,
};

/** Writes an F32 safetensors file shaped like the hub's gpt2/model.safetensors, tensor by tensor. */
async function writeRandomGpt2Small(path: string): Promise<{ bytes: number; backboneParams: number }> {
  const config = GPT2_PRESETS.gpt2;
  const specs = [{ name: 'wte.weight', shape: [HF_GPT2_CONFIG.vocab_size, config.nEmbd] }, ...gpt2TensorShapes(config)];
  for (let i = 0; i < config.nLayer; i++) specs.push({ name: `h.${i}.attn.bias`, shape: [1, 1, config.nPositions, config.nPositions] });
  specs.sort((a, b) => (a.name < b.name ? -1 : 1));
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const { name, shape } of specs) {
    const bytes = 4 * shape.reduce((a, b) => a * b, 1);
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.byteLength / 8) * 8;
  const prefix = new Uint8Array(8 + padded).fill(0x20);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(padded), true);
  prefix.set(json, 8);
  const file = await open(path, 'w');
  let state = 0x9e3779b9;
  const chunk = new Float32Array(1 << 22);
  try {
    await file.write(prefix);
    for (const { name, shape } of specs) {
      let left = shape.reduce((a, b) => a * b, 1);
      while (left > 0) {
        const n = Math.min(left, chunk.length);
        for (let i = 0; i < n; i++) {
          // xorshift32 -> uniform in [-0.035, 0.035) (std 0.02, GPT-2's init scale); masks are 1.
          state ^= state << 13;
          state ^= state >>> 17;
          state ^= state << 5;
          chunk[i] = name.endsWith('attn.bias') ? 1 : ((state >>> 0) / 2 ** 32 - 0.5) * 0.07;
        }
        await file.write(new Uint8Array(chunk.buffer, 0, 4 * n));
        left -= n;
      }
    }
  } finally {
    await file.close();
  }
  const backboneParams = gpt2TensorShapes(config).reduce((sum, s) => sum + s.shape.reduce((a, b) => a * b, 1), 0);
  return { bytes: prefix.byteLength + offset, backboneParams };
}

function summary(loaded: LoadedGpt2) {
  const s = loaded.stats;
  return {
    load_ms: Math.round(s.ms),
    bytes_transferred: s.bytesTransferred,
    shard_bytes_from_network: s.bytesFromNetwork,
    shard_bytes_from_cache: s.bytesFromCache,
    shards: s.shardsTotal,
    shards_from_cache: s.shardsFromCache,
    requests: s.requests,
    shard_requests: s.shardRequests,
    tensors: loaded.tensors.size,
  };
}

export async function benchLoad(json: boolean, keep: boolean): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'fpt-bench-load-'));
  const log = (line: string) => {
    if (!json) console.error(line);
  };
  try {
    // The hub's layout, so the same server also plays the Hugging Face direct path.
    const hubDir = join(dir, 'gpt2/resolve/main');
    await mkdir(hubDir, { recursive: true });
    const source = join(hubDir, 'model.safetensors');
    log('writing a random GPT-2-small-shaped model.safetensors…');
    let t = performance.now();
    const written = await writeRandomGpt2Small(source);
    await writeFile(join(hubDir, 'config.json'), JSON.stringify(HF_GPT2_CONFIG, null, 2));
    const writeMs = performance.now() - t;

    log('converting (F16, 16 MiB shards)…');
    const converted = await convertToDirectory(source, join(dir, 'models/gpt2'));
    const server = await startLocalServer({ root: dir });
    try {
      const manifestUrl = `${server.url}/models/gpt2/manifest.json`;
      const cache = new MemoryWeightCache();
      log('loading from the manifest, empty cache…');
      t = performance.now();
      // Keep one tensor of the cold load for the sanity check below; the rest goes before the next load.
      const [cold, fromShards] = await loadGpt2FromManifest(manifestUrl, { cache }).then(
        (l) => [summary(l), l.tensors.get('h.11.mlp.c_fc.weight')!.data] as const,
      );
      log('loading again, complete cache…');
      const warm = summary(await loadGpt2FromManifest(manifestUrl, { cache }));
      log('loading straight from model.safetensors with Range requests (Hugging Face direct)…');
      const direct = await loadGpt2FromHub({ endpoint: server.url, repo: 'gpt2', cache: new MemoryWeightCache() });
      const hub = summary(direct);
      // Sanity: the F16 shards hold the F32 source within F16 rounding.
      const fromHub = direct.tensors.get('h.11.mlp.c_fc.weight')!.data;
      const outside = fromHub.reduce((n, x, i) => n + (Math.abs(fromShards[i] - x) <= Math.max(Math.abs(x) * 2 ** -11, 2 ** -25) ? 0 : 1), 0);
      if (outside > 0) throw new Error(`${outside} values of h.11.mlp.c_fc.weight differ beyond F16 rounding between the shards and the source`);
      const result = {
        benchmark: 'load',
        machine: machine(),
        checkpoint: {
          shape: 'gpt2 (12 layers, 768 wide)',
          source_dtype: 'F32',
          source_bytes: written.bytes,
          backbone_params: written.backboneParams,
          write_ms: Math.round(writeMs),
        },
        convert: {
          dtype: converted.manifest.dtype,
          ms: Math.round(converted.ms),
          shards: converted.manifest.shards.length,
          bytes: converted.manifest.totalBytes,
          tensors: converted.manifest.tensors.length,
        },
        manifest_cold: cold,
        manifest_warm: warm,
        hub_direct: hub,
      };
      if (json) console.log(JSON.stringify(result));
      else console.log(JSON.stringify(result, null, 2));
    } finally {
      await server.close();
    }
  } finally {
    if (keep) log(`kept ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  }
}
