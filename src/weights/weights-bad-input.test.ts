/**
 * Bad weights input gets a clear CheckpointError naming the file (and tensor), never an allocation
 * sized from an unchecked claim: configs and manifests are bounded and checked against the
 * checkpoint's actual tensors; the page loader allocates as bytes arrive; checkpoints over 2 GiB are
 * read in pieces; duplicate or overlapping tensors and NaN/infinite pretrained weights are refused.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointError } from './checkpoint-error';
import { loadGpt2CheckpointDir, loadGpt2ManifestDir } from './checkpoint-node';
import { convertToDirectory } from './convert-node';
import { InputError } from './errors';
import { loadGpt2Checkpoint, parseGpt2Config, type Gpt2Checkpoint } from './gpt2-checkpoint';
import { ManifestError, ShardIntegrityError } from './load-errors';
import { loadGpt2FromManifest } from './load-manifest';
import type { LoadProgress } from './load-session';
import { startLocalServer, type LocalServer } from './local-server';
import { openSafetensors } from './safetensors';
import { MANIFEST_LIMITS, parseShardManifest, type ShardManifest } from './shard-manifest';
import { COMMITTED_TINY_DIR, directoryFiles, tensorDifferences } from './shard-test-support';
import { independentHeader, rawSafetensors, readTinyConfigJson, readTinyWeights, TINY_GPT2_DIR } from './test-fixtures';

const PREFIX = '/models/tiny-gpt2';
const FAST = { backoffMs: 1, retries: 1, progressIntervalMs: 0 };
const tinyConfig = readTinyConfigJson() as Record<string, unknown>;
const committedManifest = JSON.parse(readFileSync(join(COMMITTED_TINY_DIR, 'manifest.json'), 'utf8')) as ShardManifest;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

let scratch = '';
let golden: Gpt2Checkpoint;
let server: LocalServer | undefined;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'fpt-bad-weights-'));
  golden = await loadGpt2CheckpointDir(TINY_GPT2_DIR);
});
afterEach(async () => {
  await server?.close();
  server = undefined;
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** A raw Hugging Face directory: the tiny weights (or others) with this config. */
async function rawDir(name: string, config: unknown, weights: Uint8Array = readTinyWeights()): Promise<string> {
  const dir = join(scratch, name);
  await mkdir(dir);
  await writeFile(join(dir, 'config.json'), JSON.stringify(config));
  await writeFile(join(dir, 'model.safetensors'), weights);
  return dir;
}

describe('a config claiming absurd sizes is refused before anything is sized from it', () => {
  it.each([1e9, 1e6, 257])('n_layer %d: config parser, fpt train loader, converter and manifest parser all say so', async (nLayer) => {
    const message = `n_layer is ${nLayer}, more than the 256 this app accepts`;
    const config = { ...tinyConfig, n_layer: nLayer };
    expect(() => parseGpt2Config(config, 'my/config.json')).toThrow(`my/config.json: ${message}`);

    const dir = await rawDir(`layers-${nLayer}`, config);
    const load = loadGpt2CheckpointDir(dir);
    await expect(load).rejects.toBeInstanceOf(CheckpointError);
    await expect(load).rejects.toThrow(`${join(dir, 'config.json')}: ${message}`);

    const out = join(scratch, `layers-${nLayer}-out`);
    await expect(convertToDirectory(dir, out)).rejects.toThrow(message);
    expect(existsSync(out)).toBe(false);

    expect(() => parseShardManifest({ ...committedManifest, config }, 'm.json')).toThrow(`m.json: ${message}`);
  });

  it('a config claiming more layers than the weights hold names both counts', async () => {
    const dir = await rawDir('three-layers', { ...tinyConfig, n_layer: 3 });
    await expect(loadGpt2CheckpointDir(dir)).rejects.toThrow(
      `${join(dir, 'model.safetensors')}: the config says n_layer 3, but the weights hold 2 layers (h.0 to h.1): config and weights do not match`,
    );
    expect(() => parseShardManifest({ ...committedManifest, config: { ...tinyConfig, n_layer: 40 } }, 'm.json')).toThrow(
      'm.json: the config says n_layer 40, but the weights hold 2 layers (h.0 to h.1)',
    );
  });

  it('a config.json or manifest.json larger than any real one is refused unread', async () => {
    const dir = await rawDir('huge-config', tinyConfig);
    await truncate(join(dir, 'config.json'), 3 * 2 ** 30); // sparse: 3 GiB of nothing
    await expect(loadGpt2CheckpointDir(dir)).rejects.toThrow(`${join(dir, 'config.json')}: is ${3 * 2 ** 30} bytes, more than the 16777216 this file can be`);
    const converted = join(scratch, 'huge-manifest');
    await cp(COMMITTED_TINY_DIR, converted, { recursive: true });
    await truncate(join(converted, 'manifest.json'), 2 ** 25);
    await expect(loadGpt2CheckpointDir(converted)).rejects.toThrow(`${join(converted, 'manifest.json')}: is ${2 ** 25} bytes, more than the 16777216`);
  });

  it('n_embd, n_head and n_positions are bounded too, and a string is not a number', () => {
    expect(() => parseGpt2Config({ ...tinyConfig, n_embd: 2 ** 40 })).toThrow(`n_embd is ${2 ** 40}, more than the 16384 this app accepts`);
    expect(() => parseGpt2Config({ ...tinyConfig, n_positions: 1e7 })).toThrow('n_positions is 10000000, more than the 65536');
    expect(() => parseGpt2Config({ ...tinyConfig, n_head: '4' })).toThrow('n_head is "4", expected a positive integer');
  });
});

describe('the page loader never allocates what a manifest merely claims', () => {
  function serveManifest(manifest: unknown, extra: [string, Uint8Array][] = []) {
    const files = directoryFiles(COMMITTED_TINY_DIR, PREFIX);
    files.set(`${PREFIX}/manifest.json`, new TextEncoder().encode(JSON.stringify(manifest)));
    for (const [path, bytes] of extra) files.set(path, bytes);
    return startLocalServer({ files }).then((s) => (server = s));
  }

  it('a shard claimed to hold 2^53 bytes is refused by the manifest check, naming the field, before any download', async () => {
    const shards = committedManifest.shards.map((s, i) => (i === 0 ? { ...s, bytes: 2 ** 53 } : s));
    const s = await serveManifest({ ...committedManifest, shards });
    const attempt = loadGpt2FromManifest(`${s.url}${PREFIX}/manifest.json`, FAST);
    await expect(attempt).rejects.toBeInstanceOf(ManifestError);
    await expect(attempt).rejects.toThrow(
      `${s.url}${PREFIX}/manifest.json: not a valid manifest: shards.0.bytes: is ${2 ** 53}, expected a whole number of bytes from 0 to 1073741824`,
    );
    expect(s.requests.filter((r) => r.path.endsWith('.bin'))).toEqual([]);
  });

  it('a 1 GiB claim for a 98 KiB shard allocates only what arrives, then says the size is wrong', async () => {
    const claimed = MANIFEST_LIMITS.shardBytes;
    const shards = committedManifest.shards.map((s, i) => (i === 0 ? { ...s, bytes: claimed } : s));
    const totalBytes = shards.reduce((sum, shard) => sum + shard.bytes, 0);
    const s = await serveManifest({ ...committedManifest, shards, totalBytes });
    const baseline = process.memoryUsage().arrayBuffers;
    let peak = baseline;
    const sample = () => {
      peak = Math.max(peak, process.memoryUsage().arrayBuffers);
    };
    const attempt = loadGpt2FromManifest(`${s.url}${PREFIX}/manifest.json`, { ...FAST, concurrency: 1, onProgress: (_: LoadProgress) => sample() });
    await expect(attempt).rejects.toBeInstanceOf(ShardIntegrityError);
    await expect(attempt).rejects.toThrow(
      `shard-000.bin failed its integrity check twice (expected ${claimed} bytes, got ${committedManifest.shards[0].bytes} bytes)`,
    );
    // What arrived (a few hundred KiB, twice) plus slack, not the gigabyte claimed.
    expect(peak - baseline).toBeLessThan(64 * 2 ** 20);
  });

  it('a "manifest" of 20 MB is not read to its end', async () => {
    const s = await serveManifest(committedManifest, [['/big/manifest.json', new Uint8Array(20 * 2 ** 20).fill(0x20)]]);
    const attempt = loadGpt2FromManifest(`${s.url}/big/manifest.json`, FAST);
    await expect(attempt).rejects.toBeInstanceOf(CheckpointError);
    await expect(attempt).rejects.toThrow(
      `${s.url}/big/manifest.json: the response is larger than 16777216 bytes, more than this file can be: stopped reading it (wrong URL?)`,
    );
  });
});

describe('checkpoints over 2 GiB', () => {
  it('fpt train --model DIR reads a raw 2.1 GB model.safetensors in pieces (sparse file: wte-sized padding past 2 GiB)', async () => {
    const tiny = readTinyWeights();
    const { dataStart, json } = independentHeader(tiny);
    const dataBytes = tiny.byteLength - dataStart;
    const padElements = 2 ** 29 + 2 ** 20; // F32: 2 GiB + 4 MiB, never read (lm_head is not part of the backbone)
    const header = { ...json, 'lm_head.weight': { dtype: 'F32', shape: [padElements], data_offsets: [dataBytes, dataBytes + 4 * padElements] } };
    const dir = await rawDir('large', tinyConfig, rawSafetensors(header, tiny.subarray(dataStart)));
    const file = join(dir, 'model.safetensors');
    const headerLength = Number(new DataView(readFileSync(file).buffer).getBigUint64(0, true));
    const size = 8 + headerLength + dataBytes + 4 * padElements;
    await truncate(file, size);
    expect((await stat(file)).size).toBeGreaterThan(2 ** 31);
    const loaded = await loadGpt2CheckpointDir(dir);
    expect(tensorDifferences(loaded.tensors, golden.tensors)).toEqual([]);
  });
});

describe('safetensors that name a tensor twice or let two share bytes', () => {
  const entry = (begin: number) => ({ dtype: 'F32', shape: [2], data_offsets: [begin, begin + 8] });

  it('refuses a name given twice (JSON.parse would silently keep the last)', () => {
    const text = `{"a":${JSON.stringify(entry(0))},"__metadata__":{"k":"{\\"a\\":1}"},"b":${JSON.stringify(entry(8))},"a":${JSON.stringify(entry(8))}}`;
    const attempt = () => openSafetensors(rawSafetensors(text, new Uint8Array(16)), 'twice.safetensors');
    expect(attempt).toThrow(CheckpointError);
    expect(attempt).toThrow('twice.safetensors: tensor "a": is named twice in the header');
    // A name that only occurs inside a nested value or a string is no duplicate.
    const nested = `{"a":${JSON.stringify(entry(0))},"__metadata__":{"a":"a"}}`;
    expect(openSafetensors(rawSafetensors(nested, new Uint8Array(8)), 'ok.safetensors').names()).toEqual(['a']);
  });

  it('refuses two tensors sharing bytes, naming both', () => {
    const header = { a: entry(0), b: { dtype: 'F32', shape: [3], data_offsets: [4, 16] } };
    expect(() => openSafetensors(rawSafetensors(header, new Uint8Array(16)), 'overlap.safetensors')).toThrow(
      'overlap.safetensors: tensor "b": data_offsets [4, 16] overlap those of "a" [0, 8]',
    );
  });

  it('a manifest whose tensors overlap in a shard is refused too', () => {
    const tensors = committedManifest.tensors.map((t, i) => (i === 1 ? { ...t, offset: committedManifest.tensors[0].offset } : t));
    expect(() => parseShardManifest({ ...committedManifest, tensors }, 'm.json')).toThrow(
      /^m\.json: tensor "h\.0\.ln_1\.weight": bytes \[0, 256\) overlap those of "wpe\.weight"/,
    );
  });
});

describe('NaN or infinite pretrained weights are refused, naming the tensor', () => {
  /** The tiny weights with one value of one tensor replaced. */
  function withValue(name: string, index: number, value: number): Uint8Array {
    const bytes = readTinyWeights();
    const { dataStart, json } = independentHeader(bytes);
    new DataView(bytes.buffer).setFloat32(dataStart + json[name].data_offsets[0] + 4 * index, value, true);
    return bytes;
  }

  it('in a raw checkpoint (fpt train and the in-memory loader)', async () => {
    const nan = withValue('h.1.attn.c_proj.bias', 5, NaN);
    expect(() => loadGpt2Checkpoint(tinyConfig, nan, 'nan.safetensors')).toThrow(
      'nan.safetensors: tensor "h.1.attn.c_proj.bias": holds 1 NaN or infinite value (the first, NaN, at index 5): the checkpoint is damaged',
    );
    const dir = await rawDir('infinite', tinyConfig, withValue('wpe.weight', 7, -Infinity));
    await expect(loadGpt2CheckpointDir(dir)).rejects.toThrow(`tensor "wpe.weight": holds 1 NaN or infinite value (the first, -Infinity, at index 7)`);
    await expect(convertToDirectory(dir, join(scratch, 'infinite-out'))).rejects.toThrow('tensor "wpe.weight": holds 1 NaN or infinite value');
    expect(existsSync(join(scratch, 'infinite-out'))).toBe(false);
  });

  it('in a converted directory and over HTTP', async () => {
    const dir = join(scratch, 'nan-shards');
    await cp(COMMITTED_TINY_DIR, dir, { recursive: true });
    const target = committedManifest.tensors.find((t) => t.name === 'ln_f.weight')!;
    const shardFile = join(dir, committedManifest.shards[target.shard].file);
    const shard = await readFile(shardFile);
    shard.writeFloatLE(NaN, target.offset + 4 * 3);
    await writeFile(shardFile, shard);
    const manifest = structuredClone(committedManifest);
    manifest.shards[target.shard].sha256 = sha256(shard);
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
    await expect(loadGpt2ManifestDir(dir)).rejects.toThrow('tensor "ln_f.weight": holds 1 NaN or infinite value (the first, NaN, at index 3)');

    server = await startLocalServer({ files: directoryFiles(dir, PREFIX) });
    const attempt = loadGpt2FromManifest(`${server.url}${PREFIX}/manifest.json`, FAST);
    await expect(attempt).rejects.toBeInstanceOf(InputError);
    await expect(attempt).rejects.toThrow(`${server.url}${PREFIX}/${committedManifest.shards[target.shard].file}: tensor "ln_f.weight": holds 1 NaN`);
  });
});
