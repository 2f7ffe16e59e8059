import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointError } from './checkpoint-error';
import { loadGpt2CheckpointDir, loadGpt2ManifestDir } from './checkpoint-node';
import { convertToDirectory, OfflineError } from './convert-node';
import { float16BitsToFloat32 } from './float16';
import { gpt2TensorShapes, parseGpt2Config } from './gpt2-config';
import { ShardIntegrityError } from './load-errors';
import { startLocalServer } from './local-server';
import { MANIFEST_FORMAT, MANIFEST_VERSION, parseShardManifest, type ShardManifest } from './shard-manifest';
import { COMMITTED_TINY_DIR, TINY_CONVERT_OPTIONS, writeF16OverflowCheckpoint } from './shard-test-support';
import { readTinyConfigJson, TINY_GPT2_DIR, TINY_WEIGHTS_PATH } from './test-fixtures';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const readManifest = async (dir: string) => JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as ShardManifest;

describe('models:convert', () => {
  let scratch = '';
  let golden: Awaited<ReturnType<typeof loadGpt2CheckpointDir>>;
  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'fpt-convert-'));
    golden = await loadGpt2CheckpointDir(TINY_GPT2_DIR);
  });
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it('writes a versioned manifest: config, every tensor with its shard, offset and length, every shard with bytes and sha256, the source sha256', async () => {
    const out = join(scratch, 'f32');
    const { manifest } = await convertToDirectory(TINY_GPT2_DIR, out, TINY_CONVERT_OPTIONS);
    const onDisk = await readManifest(out);
    expect(onDisk).toEqual(JSON.parse(JSON.stringify(manifest)));
    expect(onDisk.format).toBe(MANIFEST_FORMAT);
    expect(onDisk.version).toBe(MANIFEST_VERSION);
    expect(onDisk.architecture).toBe('gpt2');
    expect(onDisk.config).toEqual(readTinyConfigJson());
    expect(onDisk.dtype).toBe('F32');
    const source = readFileSync(TINY_WEIGHTS_PATH);
    expect(onDisk.source).toEqual({ file: 'model.safetensors', bytes: 632240, sha256: sha256(source) });
    expect(onDisk.source.sha256).toBe('96270bbca713f8bbd652a067edd5f6773b865e300c68041ea41d25b2d94fa0c9');

    // Every backbone tensor, in canonical order, and no wte.
    const config = parseGpt2Config(readTinyConfigJson());
    expect(onDisk.tensors.map((t) => t.name)).toEqual(gpt2TensorShapes(config).map((s) => s.name));
    expect(onDisk.tensors.map((t) => t.shape)).toEqual(gpt2TensorShapes(config).map((s) => s.shape));
    expect(onDisk.tensors.some((t) => t.name === 'wte.weight')).toBe(false);

    // Shards: several (0.1 MiB target), none over the target unless a single tensor, each file's size and sha256 as recorded.
    expect(onDisk.shards.map((s) => s.file)).toEqual(['shard-000.bin', 'shard-001.bin', 'shard-002.bin', 'shard-003.bin', 'shard-004.bin', 'shard-005.bin']);
    expect((await readdir(out)).sort()).toEqual(['config.json', 'manifest.json', ...onDisk.shards.map((s) => s.file)]);
    for (const shard of onDisk.shards) {
      const bytes = await readFile(join(out, shard.file));
      expect(bytes.byteLength).toBe(shard.bytes);
      expect(sha256(bytes)).toBe(shard.sha256);
      expect(shard.bytes).toBeLessThanOrEqual(TINY_CONVERT_OPTIONS.shardBytes);
    }
    expect(onDisk.totalBytes).toBe(onDisk.shards.reduce((sum, s) => sum + s.bytes, 0));

    // Tensors tile each shard exactly: contiguous, no gaps or overlaps, lengths = elements x 4.
    for (let index = 0; index < onDisk.shards.length; index++) {
      const inShard = onDisk.tensors.filter((t) => t.shard === index);
      let offset = 0;
      for (const t of inShard) {
        expect(t.offset).toBe(offset);
        expect(t.length).toBe(t.shape.reduce((a, b) => a * b, 1) * 4);
        offset += t.length;
      }
      expect(offset).toBe(onDisk.shards[index].bytes);
    }

    // And the bytes are the source's float32s, exactly.
    const wpe = onDisk.tensors.find((t) => t.name === 'wpe.weight')!;
    const shard0 = await readFile(join(out, onDisk.shards[wpe.shard].file));
    expect(new DataView(shard0.buffer, shard0.byteOffset).getFloat32(wpe.offset, true)).toBe(golden.tensors.get('wpe.weight')!.data[0]);
    const loaded = await loadGpt2CheckpointDir(out);
    for (const [name, tensor] of golden.tensors) expect(Array.from(loaded.tensors.get(name)!.data), name).toEqual(Array.from(tensor.data));
  });

  it('stores F16 by default: half the bytes, every value within F16 rounding of the source', async () => {
    const out = join(scratch, 'f16');
    const { manifest } = await convertToDirectory(TINY_GPT2_DIR, out);
    expect(manifest.dtype).toBe('F16');
    expect(manifest.shards).toHaveLength(1); // 16 MiB default shards
    const f32Bytes = gpt2TensorShapes(golden.config).reduce((sum, s) => sum + 4 * s.shape.reduce((a, b) => a * b, 1), 0);
    expect(manifest.totalBytes).toBe(f32Bytes / 2);
    const shard = await readFile(join(out, manifest.shards[0].file));
    const view = new DataView(shard.buffer, shard.byteOffset, shard.byteLength);
    let checked = 0;
    let outside = 0;
    let maxRelative = 0;
    for (const tensor of manifest.tensors) {
      expect(tensor.dtype).toBe('F16');
      const source = golden.tensors.get(tensor.name)!.data;
      for (let i = 0; i < source.length; i++) {
        const stored = float16BitsToFloat32(view.getUint16(tensor.offset + 2 * i, true));
        // Round to nearest: within half an F16 ulp, 2^-11 relative for normals, 2^-25 absolute for subnormals.
        const bound = Math.max(Math.abs(source[i]) * 2 ** -11, 2 ** -25);
        if (!(Math.abs(stored - source[i]) <= bound)) outside++;
        if (Math.abs(source[i]) > 1e-4) maxRelative = Math.max(maxRelative, Math.abs(stored - source[i]) / Math.abs(source[i]));
        checked++;
      }
    }
    expect(checked).toBe(f32Bytes / 4);
    expect(outside).toBe(0);
    expect(maxRelative).toBeGreaterThan(0); // really rounded, not stored losslessly
    const loaded = await loadGpt2CheckpointDir(out);
    expect(loaded.tensors.get('h.1.mlp.c_fc.weight')!.data[5]).toBe(
      float16BitsToFloat32(view.getUint16(manifest.tensors.find((t) => t.name === 'h.1.mlp.c_fc.weight')!.offset + 10, true)),
    );
  });

  it('keeps wte only with --keep-wte, in a shard the loaders never need', async () => {
    const out = join(scratch, 'wte');
    const { manifest } = await convertToDirectory(TINY_GPT2_DIR, out, { dtype: 'F32', shardBytes: 40_000, keepWte: true });
    const wte = manifest.tensors.at(-1)!;
    expect(wte).toMatchObject({ name: 'wte.weight', shape: [256, 64], length: 256 * 64 * 4 });
    // Larger than the shard target: alone in its shard.
    expect(manifest.tensors.filter((t) => t.shard === wte.shard)).toHaveLength(1);
    const valid = parseShardManifest(manifest, 'm');
    expect(valid.neededShards).not.toContain(wte.shard);
    const loaded = await loadGpt2ManifestDir(out);
    expect(loaded.tensors.has('wte.weight')).toBe(false);
    expect(loaded.tensors.size).toBe(27);
  });

  it('made the committed models/tiny-gpt2: converting the golden checkpoint again gives the same bytes', async () => {
    const out = join(scratch, 'again');
    await convertToDirectory(TINY_GPT2_DIR, out, TINY_CONVERT_OPTIONS);
    expect(await readFile(join(out, 'manifest.json'), 'utf8')).toBe(await readFile(join(COMMITTED_TINY_DIR, 'manifest.json'), 'utf8'));
    const committed = await readManifest(COMMITTED_TINY_DIR);
    for (const shard of committed.shards) {
      expect(sha256(await readFile(join(COMMITTED_TINY_DIR, shard.file))), shard.file).toBe(shard.sha256);
    }
    expect(JSON.parse(await readFile(join(COMMITTED_TINY_DIR, 'config.json'), 'utf8'))).toEqual(readTinyConfigJson());
  });

  it('re-converting into a directory removes shards of the earlier conversion', async () => {
    const out = join(scratch, 'reconvert');
    await convertToDirectory(TINY_GPT2_DIR, out, TINY_CONVERT_OPTIONS);
    await convertToDirectory(TINY_GPT2_DIR, out, { dtype: 'F16' });
    expect((await readdir(out)).sort()).toEqual(['config.json', 'manifest.json', 'shard-000.bin']);
  });

  it('refuses F16 when a value would overflow it, naming the tensor', async () => {
    const dir = join(scratch, 'overflow-src');
    await cp(TINY_GPT2_DIR, dir, { recursive: true });
    await writeF16OverflowCheckpoint(dir, 'h.0.mlp.c_fc.bias');
    const attempt = convertToDirectory(dir, join(scratch, 'overflow'));
    await expect(attempt).rejects.toBeInstanceOf(CheckpointError);
    await expect(attempt).rejects.toThrow(/tensor "h.0.mlp.c_fc.bias": 16 finite values exceed the F16 range.*--dtype f32/);
    const { manifest } = await convertToDirectory(dir, join(scratch, 'overflow-f32'), { dtype: 'F32' });
    expect(manifest.tensors).toHaveLength(15);
  });

  it('names a shard on disk that no longer matches its sha256', async () => {
    const out = join(scratch, 'damaged');
    await cp(COMMITTED_TINY_DIR, out, { recursive: true });
    const file = join(out, 'shard-003.bin');
    const bytes = await readFile(file);
    bytes[100] ^= 1;
    await writeFile(file, bytes);
    const attempt = loadGpt2CheckpointDir(out);
    await expect(attempt).rejects.toBeInstanceOf(ShardIntegrityError);
    await expect(attempt).rejects.toThrow(
      /shard-003\.bin: shard-003\.bin does not match the manifest \(expected sha256 [0-9a-f]{64}, got sha256 [0-9a-f]{64}\)/,
    );
  });

  it('converts from a URL: config.json beside it first, then the download, recording the URL', async () => {
    const server = await startLocalServer({
      files: new Map([
        ['/gpt2/resolve/main/model.safetensors', new Uint8Array(readFileSync(TINY_WEIGHTS_PATH))],
        ['/gpt2/resolve/main/config.json', new Uint8Array(readFileSync(join(TINY_GPT2_DIR, 'config.json')))],
      ]),
    });
    try {
      const url = `${server.url}/gpt2/resolve/main/model.safetensors`;
      const out = join(scratch, 'from-url');
      const { manifest } = await convertToDirectory(url, out, TINY_CONVERT_OPTIONS);
      expect(manifest.source).toEqual({
        file: 'model.safetensors',
        url,
        bytes: 632240,
        sha256: '96270bbca713f8bbd652a067edd5f6773b865e300c68041ea41d25b2d94fa0c9',
      });
      expect(server.requests.map((r) => r.path)).toEqual(['/gpt2/resolve/main/config.json', '/gpt2/resolve/main/model.safetensors']);
      const committed = await readManifest(COMMITTED_TINY_DIR);
      expect(manifest.shards).toEqual(committed.shards);
      expect((await readdir(out)).some((name) => name.includes('partial'))).toBe(false);
    } finally {
      await server.close();
    }
  });

  it('fails at once with a message saying so when the hub cannot be reached, before creating anything', async () => {
    const out = join(scratch, 'offline');
    let calls = 0;
    const offlineFetch: typeof fetch = async () => {
      calls++;
      throw new TypeError('fetch failed', { cause: Object.assign(new Error('getaddrinfo ENOTFOUND huggingface.co'), { code: 'ENOTFOUND' }) });
    };
    const started = performance.now();
    const attempt = convertToDirectory('https://huggingface.co/gpt2/resolve/main/model.safetensors', out, { fetch: offlineFetch });
    await expect(attempt).rejects.toBeInstanceOf(OfflineError);
    await expect(attempt).rejects.toThrow('cannot reach huggingface.co (getaddrinfo ENOTFOUND huggingface.co): this machine looks offline');
    expect(calls).toBe(1);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(existsSync(out)).toBe(false);
  });
});
