import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadGpt2CheckpointDir } from './checkpoint-node';
import type { Gpt2Checkpoint } from './gpt2-checkpoint';
import { isAbortError, ManifestError, ShardIntegrityError, WeightsFetchError } from './load-errors';
import { loadGpt2FromManifest, type ManifestLoadOptions } from './load-manifest';
import type { LoadProgress } from './load-session';
import { startLocalServer, type LocalServer, type LocalServerOptions } from './local-server';
import type { ShardManifest } from './shard-manifest';
import { COMMITTED_TINY_DIR, directoryFiles, tensorDifferences } from './shard-test-support';
import { TINY_GPT2_DIR } from './test-fixtures';
import { MemoryWeightCache } from './weight-cache';

const PREFIX = '/models/tiny-gpt2';
const SHARDS = ['shard-000.bin', 'shard-001.bin', 'shard-002.bin', 'shard-003.bin', 'shard-004.bin', 'shard-005.bin'];
/** Fast failure paths: tests must not sit through real backoff. */
const FAST: ManifestLoadOptions = { backoffMs: 1, retries: 2, progressIntervalMs: 0 };

let golden: Gpt2Checkpoint;
let server: LocalServer | undefined;

beforeAll(async () => {
  golden = await loadGpt2CheckpointDir(TINY_GPT2_DIR);
});
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(
  options: Omit<LocalServerOptions, 'files'> = {},
  files = directoryFiles(COMMITTED_TINY_DIR, PREFIX),
): Promise<{ server: LocalServer; manifestUrl: string }> {
  server = await startLocalServer({ ...options, files });
  return { server, manifestUrl: `${server.url}${PREFIX}/manifest.json` };
}

const shardRequests = (s: LocalServer) => s.requests.filter((r) => r.path.endsWith('.bin')).map((r) => r.path.slice(PREFIX.length + 1));
const manifestOf = (s: LocalServer): ShardManifest => JSON.parse(new TextDecoder().decode(s.files.get(`${PREFIX}/manifest.json`)!)) as ShardManifest;

describe('loadGpt2FromManifest over HTTP', () => {
  it('loads every shard in parallel (bounded), verified, into the tensors the engine takes, reporting progress', async () => {
    const { server, manifestUrl } = await serve({ misbehave: (path) => (path.endsWith('.bin') ? { delayMs: 30 } : undefined) });
    const events: LoadProgress[] = [];
    const cache = new MemoryWeightCache();
    const loaded = await loadGpt2FromManifest(manifestUrl, { cache, concurrency: 2, progressIntervalMs: 0, onProgress: (p) => events.push(p) });

    expect(tensorDifferences(loaded.tensors, golden.tensors)).toEqual([]);
    expect(loaded.config).toEqual(golden.config);
    expect(loaded.manifest.shards).toHaveLength(6);
    expect(shardRequests(server).sort()).toEqual(SHARDS);
    expect(server.maxConcurrent).toBe(2);
    const totalBytes = manifestOf(server).totalBytes;
    expect(loaded.stats).toMatchObject({
      source: 'manifest',
      url: manifestUrl,
      bytesTotal: totalBytes,
      bytesFromNetwork: totalBytes,
      bytesFromCache: 0,
      shardsTotal: 6,
      shardsFromNetwork: 6,
      shardsFromCache: 0,
      requests: 7,
      shardRequests: 6,
      retries: 0,
      cache: 'enabled',
    });
    expect(loaded.stats.bytesTransferred).toBe(totalBytes + server.files.get(`${PREFIX}/manifest.json`)!.byteLength);
    expect(loaded.warnings).toEqual([]);

    // Progress: bytes and shards only go up, the last event is complete, and an ETA appears once bytes flow.
    const download = events.filter((e) => e.phase === 'download');
    expect(download.length).toBeGreaterThanOrEqual(7);
    for (let i = 1; i < download.length; i++) expect(download[i].shardsDone).toBeGreaterThanOrEqual(download[i - 1].shardsDone);
    expect(download.map((e) => e.shardsDone).at(-1)).toBe(6);
    expect(download.some((e) => e.etaSeconds !== null && e.etaSeconds > 0 && e.bytesPerSecond! > 0)).toBe(true);
    expect(events.at(-1)).toMatchObject({
      phase: 'done',
      percent: 100,
      bytesLoaded: totalBytes,
      bytesTotal: totalBytes,
      shardsDone: 6,
      shardsTotal: 6,
      etaSeconds: 0,
    });
    expect(events.every((e) => e.percent >= 0 && e.percent <= 100 && e.bytesLoaded <= e.bytesTotal)).toBe(true);
    // Every verified shard is cached under a versioned key that carries its hash; the manifest too.
    const keys = await cache.keys();
    expect(keys).toHaveLength(7);
    const shard0 = manifestOf(server).shards[0];
    expect(keys).toContain(`${server.url}${PREFIX}/shard-000.bin?fpt-cache=1&sha256=${shard0.sha256}`);
  });

  it('reloads from the cache with no shard requests, and with a complete cache needs no network at all', async () => {
    const { server, manifestUrl } = await serve();
    const cache = new MemoryWeightCache();
    await loadGpt2FromManifest(manifestUrl, { cache });
    const before = server.requests.length;

    const reloaded = await loadGpt2FromManifest(manifestUrl, { cache });
    expect(server.requests.slice(before).map((r) => r.path)).toEqual([`${PREFIX}/manifest.json`]);
    expect(tensorDifferences(reloaded.tensors, golden.tensors)).toEqual([]);
    expect(reloaded.stats).toMatchObject({
      shardsFromCache: 6,
      shardsFromNetwork: 0,
      bytesFromNetwork: 0,
      shardRequests: 0,
      bytesFromCache: reloaded.stats.bytesTotal,
    });

    // Offline: the manifest request fails once (no backoff when a cached copy exists), everything else is cached.
    await server.close();
    const started = performance.now();
    const offline = await loadGpt2FromManifest(manifestUrl, { cache, retries: 5, backoffMs: 10_000 });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(tensorDifferences(offline.tensors, golden.tensors)).toEqual([]);
    expect(offline.stats).toMatchObject({ requests: 1, shardRequests: 0, shardsFromCache: 6 });
    expect(offline.warnings).toEqual([
      expect.stringMatching(/manifest\.json could not be fetched \(.*network error.*\); using the copy cached on an earlier visit/),
    ]);
  });

  it('resumes a download cut off in the middle: only the missing shards are fetched again', async () => {
    let cut = true;
    const { server, manifestUrl } = await serve({ misbehave: (path) => (cut && path.endsWith('shard-002.bin') ? { cutAfterBytes: 1000 } : undefined) });
    const cache = new MemoryWeightCache();
    const first = loadGpt2FromManifest(manifestUrl, { ...FAST, cache, concurrency: 1 });
    await expect(first).rejects.toBeInstanceOf(WeightsFetchError);
    await expect(first).rejects.toThrow(`${server.url}${PREFIX}/shard-002.bin: network error`);
    await expect(first).rejects.toThrow(/after 3 attempts/);
    expect(shardRequests(server)).toEqual(['shard-000.bin', 'shard-001.bin', 'shard-002.bin', 'shard-002.bin', 'shard-002.bin']);
    // What was verified before the cut stayed in the cache; the broken shard did not get in.
    expect(
      (await cache.keys())
        .filter((k) => k.includes('.bin'))
        .map((k) => new URL(k).pathname.slice(PREFIX.length + 1))
        .sort(),
    ).toEqual(['shard-000.bin', 'shard-001.bin']);

    cut = false;
    const before = server.requests.length;
    const resumed = await loadGpt2FromManifest(manifestUrl, { ...FAST, cache, concurrency: 1 });
    expect(shardRequests({ ...server, requests: server.requests.slice(before) })).toEqual(['shard-002.bin', 'shard-003.bin', 'shard-004.bin', 'shard-005.bin']);
    expect(resumed.stats).toMatchObject({ shardsFromCache: 2, shardsFromNetwork: 4 });
    expect(tensorDifferences(resumed.tensors, golden.tensors)).toEqual([]);
  });

  it('cancels on AbortSignal with an AbortError, keeps what was verified, and resumes from there', async () => {
    const { server, manifestUrl } = await serve({ misbehave: (path) => (path.endsWith('.bin') ? { delayMs: 20 } : undefined) });
    const cache = new MemoryWeightCache();
    const controller = new AbortController();
    const attempt = loadGpt2FromManifest(manifestUrl, {
      cache,
      concurrency: 1,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.shardsDone === 2) controller.abort();
      },
    });
    const error = await attempt.catch((e: unknown) => e);
    expect(isAbortError(error)).toBe(true);
    const cachedShards = (await cache.keys()).filter((k) => k.includes('.bin'));
    expect(cachedShards).toHaveLength(2);
    const before = server.requests.length;
    const resumed = await loadGpt2FromManifest(manifestUrl, { cache });
    expect(shardRequests({ ...server, requests: server.requests.slice(before) })).toHaveLength(4);
    expect(tensorDifferences(resumed.tensors, golden.tensors)).toEqual([]);
  });

  it('discards a corrupted shard and fetches it once more; corrupt twice is an error naming it', async () => {
    let corruptions = 1;
    const { server, manifestUrl } = await serve({
      misbehave: (path) => (path.endsWith('shard-001.bin') && corruptions-- > 0 ? { corrupt: true } : undefined),
    });
    const cache = new MemoryWeightCache();
    const loaded = await loadGpt2FromManifest(manifestUrl, { ...FAST, cache });
    expect(server.count('shard-001.bin')).toBe(2);
    expect(tensorDifferences(loaded.tensors, golden.tensors)).toEqual([]);
    expect(loaded.warnings).toEqual([
      expect.stringMatching(
        /^shard-001\.bin from .*shard-001\.bin failed its integrity check \(sha256 [0-9a-f]{12}… instead of [0-9a-f]{12}…\); discarded, fetching it again$/,
      ),
    ]);

    corruptions = Infinity;
    const fresh = new MemoryWeightCache();
    const attempt = loadGpt2FromManifest(manifestUrl, { ...FAST, cache: fresh });
    await expect(attempt).rejects.toBeInstanceOf(ShardIntegrityError);
    await expect(attempt).rejects.toThrow(
      new RegExp(
        `^${server.url}${PREFIX}/shard-001\\.bin: shard-001\\.bin failed its integrity check twice \\(expected sha256 ${manifestOf(server).shards[1].sha256}, got sha256 [0-9a-f]{64}\\)`,
      ),
    );
    expect(server.count('shard-001.bin')).toBe(4);
    expect((await fresh.keys()).some((k) => k.includes('shard-001.bin'))).toBe(false);
  });

  it('re-downloads only a cached shard that was damaged on disk', async () => {
    const { server, manifestUrl } = await serve();
    const cache = new MemoryWeightCache();
    await loadGpt2FromManifest(manifestUrl, { cache });
    const key = (await cache.keys()).find((k) => k.includes('shard-004.bin'))!;
    cache.tamper(key, (bytes) => (bytes[7] ^= 0x10));
    const before = server.requests.length;
    const reloaded = await loadGpt2FromManifest(manifestUrl, { cache });
    expect(shardRequests({ ...server, requests: server.requests.slice(before) })).toEqual(['shard-004.bin']);
    expect(reloaded.warnings).toEqual([expect.stringMatching(/^cached shard-004\.bin was damaged \(sha256 .*\); downloading it again$/)]);
    expect(tensorDifferences(reloaded.tensors, golden.tensors)).toEqual([]);
  });

  it('retries a 404 with backoff, then fails with an error naming the URL', async () => {
    const { server, manifestUrl } = await serve({ misbehave: (path) => (path.endsWith('shard-003.bin') ? { status: 404 } : undefined) });
    const attempt = loadGpt2FromManifest(manifestUrl, { ...FAST, cache: new MemoryWeightCache() });
    const error = (await attempt.catch((e: unknown) => e)) as WeightsFetchError;
    expect(error).toBeInstanceOf(WeightsFetchError);
    expect(error.message).toBe(`${server.url}${PREFIX}/shard-003.bin: HTTP 404 Not Found after 3 attempts`);
    expect(error.url).toBe(`${server.url}${PREFIX}/shard-003.bin`);
    expect(error.status).toBe(404);
    expect(server.count('shard-003.bin')).toBe(3);
  });

  it('rides out a transient 503 and reports the retry', async () => {
    let failures = 1;
    const { server, manifestUrl } = await serve({ misbehave: (path) => (path.endsWith('shard-005.bin') && failures-- > 0 ? { status: 503 } : undefined) });
    const events: LoadProgress[] = [];
    const loaded = await loadGpt2FromManifest(manifestUrl, { ...FAST, onProgress: (p) => events.push(p) });
    expect(loaded.stats.retries).toBe(1);
    expect(server.count('shard-005.bin')).toBe(2);
    expect(events.some((e) => e.message?.includes('shard-005.bin: HTTP 503 Service Unavailable, retrying (1/2)'))).toBe(true);
    expect(tensorDifferences(loaded.tensors, golden.tensors)).toEqual([]);
  });

  it('loads without caching when the storage quota is exceeded, and says so', async () => {
    const { manifestUrl } = await serve();
    const cache = new MemoryWeightCache({ quotaBytes: 180_000 });
    const events: LoadProgress[] = [];
    const loaded = await loadGpt2FromManifest(manifestUrl, { cache, concurrency: 1, progressIntervalMs: 0, onProgress: (p) => events.push(p) });
    expect(tensorDifferences(loaded.tensors, golden.tensors)).toEqual([]);
    expect(loaded.stats.cache).toBe('quota-exceeded');
    expect(loaded.warnings).toEqual([expect.stringContaining('browser storage is full: the model loads without being cached')]);
    expect(events.at(-1)!.cache).toBe('quota-exceeded');
    // The manifest and what fitted before the quota ran out stay; nothing was written after.
    expect(cache.usedBytes).toBeLessThanOrEqual(180_000);
    // (manifest 3.9 KB + shard-000 98 KiB + shard-001 65 KiB fit in 180 000 bytes; shard-002 did not.)
    const puts = cache.log.filter((e) => e.op === 'put').map((e) => new URL(e.key).pathname.slice(PREFIX.length + 1));
    expect(puts).toEqual(['manifest.json', 'shard-000.bin', 'shard-001.bin']);
  });

  it('refuses a manifest of an unknown version, another architecture, or another model size, before any shard', async () => {
    const files = directoryFiles(COMMITTED_TINY_DIR, PREFIX);
    const manifest = JSON.parse(new TextDecoder().decode(files.get(`${PREFIX}/manifest.json`)!)) as Record<string, unknown>;
    const variants: [string, Record<string, unknown>, RegExp][] = [
      ['v2', { ...manifest, version: 2 }, /manifest version 2 is not supported \(this build reads version 1\)/],
      ['llama', { ...manifest, architecture: 'llama' }, /manifest is for architecture "llama", but only GPT-2 \("gpt2"\) can be loaded/],
      ['other', { format: 'tfjs-layers-model' }, /not an FPT shard manifest/],
    ];
    for (const [name, body] of variants) files.set(`/${name}/manifest.json`, new TextEncoder().encode(JSON.stringify(body)));
    const { server } = await serve({}, files);
    for (const [name, , message] of variants) {
      const attempt = loadGpt2FromManifest(`${server.url}/${name}/manifest.json`, FAST);
      await expect(attempt).rejects.toBeInstanceOf(ManifestError);
      await expect(attempt).rejects.toThrow(message);
    }
    const wrongSize = loadGpt2FromManifest(`${server.url}${PREFIX}/manifest.json`, { expectedConfig: { nLayer: 12, nEmbd: 768 } });
    await expect(wrongSize).rejects.toThrow(/weights are for a different GPT-2 than requested \(n_layer is 2, expected 12; n_embd is 64, expected 768\)/);
    expect(shardRequests(server)).toEqual([]);
  });

  it('a re-converted model at the same URLs replaces the old cache entries', async () => {
    const { server, manifestUrl } = await serve();
    const cache = new MemoryWeightCache();
    await loadGpt2FromManifest(manifestUrl, { cache });
    // Same URLs, new content: shard 0 changes (a new manifest hash), the rest stay.
    const manifest = manifestOf(server);
    const shard0 = server.files.get(`${PREFIX}/shard-000.bin`)!.slice();
    const { sha256Hex } = await import('./sha256');
    const wpe = manifest.tensors[0];
    new DataView(shard0.buffer).setFloat32(wpe.offset, 0.25, true);
    manifest.shards[0].sha256 = await sha256Hex(shard0);
    server.files.set(`${PREFIX}/shard-000.bin`, shard0);
    server.files.set(`${PREFIX}/manifest.json`, new TextEncoder().encode(JSON.stringify(manifest)));

    const before = server.requests.length;
    const reloaded = await loadGpt2FromManifest(manifestUrl, { cache });
    expect(shardRequests({ ...server, requests: server.requests.slice(before) })).toEqual(['shard-000.bin']);
    expect(reloaded.tensors.get('wpe.weight')!.data[0]).toBe(0.25);
    const shardKeys = (await cache.keys()).filter((k) => k.includes('shard-000.bin'));
    expect(shardKeys).toEqual([`${server.url}${PREFIX}/shard-000.bin?fpt-cache=1&sha256=${manifest.shards[0].sha256}`]);
  });
});
