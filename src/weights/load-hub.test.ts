import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadGpt2CheckpointDir } from './checkpoint-node';
import type { Gpt2Checkpoint } from './gpt2-checkpoint';
import { WeightsFetchError } from './load-errors';
import { hubFileUrl, loadGpt2FromHub, planHubChunks, type HubLoadOptions } from './load-hub';
import { ManifestIsHtmlError, loadGpt2Weights } from './load';
import { startLocalServer, type LocalServer, type Misbehaviour } from './local-server';
import { parseSafetensorsHeader } from './safetensors';
import { COMMITTED_TINY_DIR, directoryFiles, tensorDifferences } from './shard-test-support';
import { TINY_GPT2_DIR, TINY_WEIGHTS_PATH } from './test-fixtures';
import { MemoryWeightCache } from './weight-cache';

const WEIGHTS = new Uint8Array(readFileSync(TINY_WEIGHTS_PATH));
const CONFIG = new Uint8Array(readFileSync(join(TINY_GPT2_DIR, 'config.json')));
const HEADER = parseSafetensorsHeader(WEIGHTS, 'hub', WEIGHTS.byteLength);
const BLOB = '/repos/3c/8e/blob-96270bbc';

let golden: Gpt2Checkpoint;
let hub: LocalServer;
let cdn: LocalServer;
const servers: LocalServer[] = [];

beforeAll(async () => {
  golden = await loadGpt2CheckpointDir(TINY_GPT2_DIR);
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/**
 * Two origins, as on the real hub: huggingface.co answers `resolve/main/model.safetensors` with a 302
 * to its CDN (a different host), which serves Range requests with 206 and CORS headers; config.json
 * comes straight from the hub.
 */
async function startHub(cdnMisbehave?: (path: string, count: number) => Misbehaviour): Promise<HubLoadOptions> {
  cdn = await startLocalServer({ files: new Map([[BLOB, WEIGHTS]]), misbehave: cdnMisbehave });
  hub = await startLocalServer({
    files: new Map([['/gpt2/resolve/main/config.json', CONFIG]]),
    misbehave: (path) => (path === '/gpt2/resolve/main/model.safetensors' ? { redirect: `${cdn.url}${BLOB}?X-Amz-Signature=abc` } : undefined),
  });
  servers.push(cdn, hub);
  return { endpoint: hub.url, repo: 'gpt2', revision: 'main', backoffMs: 1, retries: 1, progressIntervalMs: 0 };
}

/** [start, end) byte ranges the CDN was asked for. */
function requestedRanges(server: LocalServer): [number, number][] {
  return server.requests.map((r) => {
    const match = /^bytes=(\d+)-(\d+)$/.exec(r.range ?? '');
    if (match === null) throw new Error(`request without a bounded Range: ${r.path} ${r.range}`);
    return [Number(match[1]), Number(match[2]) + 1];
  });
}

describe('Hugging Face direct (HTTP Range on the hub file)', () => {
  it('reads the header, then only the backbone tensors, following the redirect to the CDN', async () => {
    const options = await startHub();
    const cache = new MemoryWeightCache();
    const loaded = await loadGpt2FromHub({ ...options, cache, chunkBytes: 64 * 1024, mergeGapBytes: 0 });
    expect(tensorDifferences(loaded.tensors, golden.tensors)).toEqual([]);
    expect(loaded.config).toEqual(golden.config);

    // Every CDN request was a bounded Range answered with 206, reached through the hub's 302.
    expect(cdn.requests.every((r) => r.status === 206 && r.path === BLOB)).toBe(true);
    expect(hub.requests.map((r) => [r.path, r.status])).toEqual([
      ['/gpt2/resolve/main/config.json', 200],
      ...cdn.requests.map(() => ['/gpt2/resolve/main/model.safetensors', 302]),
    ]);
    const [headerRange, ...chunkRanges] = requestedRanges(cdn);
    expect(headerRange).toEqual([0, 65536]);
    // No byte of wte or of the attention-mask buffers was asked for; every backbone byte exactly once.
    const skipped = [...HEADER.tensors.values()].filter((t) => t.name === 'wte.weight' || t.name.endsWith('.attn.bias'));
    expect(skipped).toHaveLength(3);
    for (const t of skipped) {
      const [begin, end] = [HEADER.dataStart + t.dataOffsets[0], HEADER.dataStart + t.dataOffsets[1]];
      expect(
        chunkRanges.filter(([s, e]) => s < end && e > begin),
        t.name,
      ).toEqual([]);
    }
    const backboneBytes = [...golden.tensors.values()].reduce((sum, t) => sum + 4 * t.data.length, 0);
    expect(chunkRanges.reduce((sum, [s, e]) => sum + e - s, 0)).toBe(backboneBytes);
    expect(chunkRanges.every(([s, e]) => e - s <= 64 * 1024)).toBe(true);
    expect(loaded.stats).toMatchObject({
      source: 'hub',
      url: hubFileUrl(options),
      shardsTotal: chunkRanges.length,
      shardsFromNetwork: chunkRanges.length,
      bytesTotal: backboneBytes,
      bytesFromNetwork: backboneBytes,
      cache: 'enabled',
    });
    expect(loaded.stats.shardsTotal).toBeGreaterThan(4);
  });

  it('caches each verified chunk with its sha256: a reload asks only for config and header, offline it asks nothing that fails it', async () => {
    const options = await startHub();
    const cache = new MemoryWeightCache();
    const first = await loadGpt2FromHub({ ...options, cache, chunkBytes: 64 * 1024 });
    const chunkKeys = (await cache.keys()).filter((k) => new URL(k).searchParams.has('bytes'));
    expect(chunkKeys).toHaveLength(first.stats.shardsTotal);
    const stored = await cache.get(chunkKeys[0]);
    expect(stored!.meta.sha256).toMatch(/^[0-9a-f]{64}$/);

    const before = cdn.requests.length;
    const reloaded = await loadGpt2FromHub({ ...options, cache, chunkBytes: 64 * 1024 });
    expect(cdn.requests.slice(before).map((r) => r.range)).toEqual(['bytes=0-65535']);
    expect(reloaded.stats).toMatchObject({ shardsFromCache: first.stats.shardsTotal, shardsFromNetwork: 0, bytesFromNetwork: 0 });
    expect(tensorDifferences(reloaded.tensors, golden.tensors)).toEqual([]);

    // A damaged cached chunk fails its stored hash and is fetched again.
    cache.tamper(chunkKeys[1], (bytes) => (bytes[3] ^= 1));
    const repaired = await loadGpt2FromHub({ ...options, cache, chunkBytes: 64 * 1024 });
    expect(repaired.stats.shardsFromNetwork).toBe(1);
    expect(tensorDifferences(repaired.tensors, golden.tensors)).toEqual([]);

    await Promise.all([hub.close(), cdn.close()]);
    const offline = await loadGpt2FromHub({ ...options, cache, chunkBytes: 64 * 1024 });
    expect(offline.stats.shardRequests).toBe(0);
    expect(offline.warnings).toHaveLength(2); // config.json and the header came from the cache
    expect(tensorDifferences(offline.tensors, golden.tensors)).toEqual([]);
  });

  it('serves the CORS headers a browser needs, with a CORS-safelisted single Range (no preflight)', async () => {
    const options = await startHub();
    const response = await fetch(hubFileUrl(options), { headers: { Range: 'bytes=0-7' } });
    expect(response.status).toBe(206);
    expect(response.url.startsWith(cdn.url)).toBe(true);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-expose-headers')).toContain('Content-Range');
    expect(response.headers.get('content-range')).toBe(`bytes 0-7/${WEIGHTS.byteLength}`);
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(WEIGHTS.subarray(0, 8));
    // The loader's requests are plain GETs with `bytes=a-b`: a browser sends them without an OPTIONS preflight.
    await loadGpt2FromHub(options);
    expect(cdn.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(cdn.requests.every((r) => /^bytes=\d+-\d+$/.test(r.range ?? ''))).toBe(true);
  });

  it('refuses a server that ignores Range instead of downloading the whole file', async () => {
    const options = await startHub(() => ({ ignoreRange: true }));
    const attempt = loadGpt2FromHub(options);
    await expect(attempt).rejects.toBeInstanceOf(WeightsFetchError);
    await expect(attempt).rejects.toThrow(/answered 200, not 206 Partial Content: it does not support HTTP Range requests/);
  });

  it('a chunk whose Content-Range is not the range asked for is discarded, fetched once more, then named', async () => {
    let shifted = 1;
    const options = await startHub((_path, count) => (count > 1 && shifted-- > 0 ? { shiftRange: 4 } : undefined));
    const loaded = await loadGpt2FromHub({ ...options, chunkBytes: 1 << 30, mergeGapBytes: 1 << 30 });
    expect(tensorDifferences(loaded.tensors, golden.tensors)).toEqual([]);
    expect(loaded.warnings).toEqual([
      expect.stringMatching(
        /^model\.safetensors bytes \d+-\d+ from .* failed its integrity check \(server sent "bytes \d+-\d+\/632240" for bytes \d+-\d+\/632240/,
      ),
    ]);

    await Promise.all(servers.splice(0).map((s) => s.close()));
    const always = await startHub((_path, count) => (count > 1 ? { shiftRange: 4 } : undefined));
    const attempt = loadGpt2FromHub({ ...always, chunkBytes: 1 << 30, mergeGapBytes: 1 << 30 });
    await expect(attempt).rejects.toThrow(
      new RegExp(
        `^${hubFileUrl(always).replace(/[.?]/g, '\\$&')}: model\\.safetensors bytes \\d+-\\d+ failed its integrity check twice \\(expected Content-Range bytes`,
      ),
    );
    expect(cdn.requests.length).toBe(3); // header, then the one chunk twice
  });

  it('planHubChunks merges neighbours up to the chunk size and skips what FPT does not use', () => {
    const chunks = planHubChunks(HEADER, golden.config, 1 << 20, 0);
    const names = chunks.flatMap((c) => c.tensors.map((t) => t.name));
    expect(names.sort()).toEqual([...golden.tensors.keys()].sort());
    // With no gap allowed, every chunk is one contiguous run of needed tensors.
    for (const chunk of chunks) {
      const spans = chunk.tensors.map((t) => t.info.dataOffsets[1] - t.info.dataOffsets[0]);
      expect(spans.reduce((a, b) => a + b, 0)).toBe(chunk.end - chunk.start);
    }
    // Allowing 64 KiB gaps bridges the 64 KiB attention masks: fewer, larger requests.
    expect(planHubChunks(HEADER, golden.config, 1 << 20, 65536).length).toBeLessThan(chunks.length);
  });

  it('loadGpt2Weights uses the converted manifest when there is one and the hub when the manifest is 404', async () => {
    const options = await startHub();
    const site = await startLocalServer({ files: directoryFiles(COMMITTED_TINY_DIR, '/models/tiny-gpt2') });
    servers.push(site);
    const converted = await loadGpt2Weights({ manifestUrl: `${site.url}/models/tiny-gpt2/manifest.json`, hub: options }, { cache: new MemoryWeightCache() });
    expect(converted.stats.source).toBe('manifest');
    expect(hub.requests).toEqual([]);

    const direct = await loadGpt2Weights(
      { manifestUrl: `${site.url}/models/gpt2/manifest.json`, hub: options },
      { cache: new MemoryWeightCache(), backoffMs: 1 },
    );
    expect(direct.stats.source).toBe('hub');
    expect(site.count('/models/gpt2/manifest.json')).toBe(1); // a 404 manifest is not retried when the hub is the fallback
    expect(direct.warnings[0]).toBe(`no converted model at ${site.url}/models/gpt2/manifest.json; read ${hubFileUrl(options)} directly`);
    expect(tensorDifferences(direct.tensors, golden.tensors)).toEqual([]);
  });

  it("an HTML page where the manifest should be (a single-page-app host's fallback) counts as no manifest", async () => {
    const options = await startHub();
    const page = new TextEncoder().encode('\uFEFF\n  <!doctype html><html><body>FPT Playground</body></html>');
    const site = await startLocalServer({ files: new Map([['/models/gpt2/manifest.json', page]]) });
    servers.push(site);
    const direct = await loadGpt2Weights(
      { manifestUrl: `${site.url}/models/gpt2/manifest.json`, hub: options },
      { cache: new MemoryWeightCache(), backoffMs: 1 },
    );
    expect(direct.stats.source).toBe('hub');
    expect(tensorDifferences(direct.tensors, golden.tensors)).toEqual([]);
    // Without a hub to fall back on, the message says what the page was.
    const error = await loadGpt2Weights({ manifestUrl: `${site.url}/models/gpt2/manifest.json` }, { cache: new MemoryWeightCache(), backoffMs: 1 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ManifestIsHtmlError);
    expect((error as Error).message).toContain('the server answered with an HTML page, not a manifest');
  });
});
