import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256Hex, sha256HexFallback } from './sha256';
import { cacheKey, cacheKeyBase, CacheStorageWeightCache, isQuotaExceededError, MemoryWeightCache, WEIGHTS_CACHE_NAME } from './weight-cache';

/** Just enough of the Cache interface, holding real Response objects as a browser does. */
class FakeCache {
  readonly entries = new Map<string, Response>();
  async match(key: string) {
    return this.entries.get(key)?.clone();
  }
  async put(key: string, response: Response) {
    // Cache Storage reads the whole body on put.
    const body = await response.arrayBuffer();
    this.entries.set(key, new Response(body, { headers: response.headers }));
  }
  async delete(key: string) {
    return this.entries.delete(key);
  }
  async keys() {
    return [...this.entries.keys()].map((url) => new Request(url));
  }
}

describe('sha256', () => {
  it('Web Crypto and the pure-JS fallback agree with node:crypto, across block-boundary lengths', async () => {
    for (const length of [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000, 70_000]) {
      const bytes = new Uint8Array(randomBytes(length));
      const expected = createHash('sha256').update(bytes).digest('hex');
      expect(await sha256Hex(bytes), `subtle ${length}`).toBe(expected);
      expect(sha256HexFallback(bytes), `fallback ${length}`).toBe(expected);
    }
    expect(sha256HexFallback(new TextEncoder().encode('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    // A view into a larger buffer hashes only its own bytes.
    const big = new Uint8Array(randomBytes(100));
    expect(await sha256Hex(big.subarray(10, 20))).toBe(createHash('sha256').update(big.subarray(10, 20)).digest('hex'));
  });
});

describe('weight caches', () => {
  it('keys are versioned URLs that carry the content hash, and map back to the file URL', () => {
    const key = cacheKey('https://example.org/models/gpt2/shard-000.bin', { sha256: 'ab'.repeat(32) });
    expect(key).toBe(`https://example.org/models/gpt2/shard-000.bin?fpt-cache=1&sha256=${'ab'.repeat(32)}`);
    expect(cacheKeyBase(key)).toBe('https://example.org/models/gpt2/shard-000.bin');
    expect(WEIGHTS_CACHE_NAME).toBe('fpt-weights-v1');
  });

  it('CacheStorageWeightCache round-trips bytes and metadata through Response headers', async () => {
    const fake = new FakeCache();
    const cache = new CacheStorageWeightCache(fake as unknown as Cache);
    const bytes = new Uint8Array([1, 2, 3, 250]);
    await cache.put('https://example.org/a.bin?fpt-cache=1', bytes, { sha256: 'ff'.repeat(32), size: '4' });
    const back = await cache.get('https://example.org/a.bin?fpt-cache=1');
    expect(Array.from(back!.bytes)).toEqual([1, 2, 3, 250]);
    expect(back!.meta).toEqual({ sha256: 'ff'.repeat(32), size: '4' });
    expect(await cache.keys()).toEqual(['https://example.org/a.bin?fpt-cache=1']);
    await cache.delete('https://example.org/a.bin?fpt-cache=1');
    expect(await cache.get('https://example.org/a.bin?fpt-cache=1')).toBeUndefined();
  });

  it('MemoryWeightCache enforces a quota the way browsers report it, and returns copies', async () => {
    const cache = new MemoryWeightCache({ quotaBytes: 10 });
    await cache.put('https://x/a', new Uint8Array(6), {});
    const error = await cache.put('https://x/b', new Uint8Array(6), {}).catch((e: unknown) => e);
    expect(isQuotaExceededError(error)).toBe(true);
    expect((error as DOMException).name).toBe('QuotaExceededError');
    expect(cache.usedBytes).toBe(6);
    const copy = await cache.get('https://x/a');
    copy!.bytes[0] = 9;
    expect((await cache.get('https://x/a'))!.bytes[0]).toBe(0);
    expect(isQuotaExceededError(new Error('other'))).toBe(false);
  });
});
