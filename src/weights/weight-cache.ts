/**
 * Where verified shards are kept between visits. The loaders take any WeightCache: in a page,
 * `openBrowserWeightCache()` (Cache Storage); in Node and tests, `MemoryWeightCache`. Keys are
 * http(s) URLs (Cache Storage requires that) carrying the cache format version and the content hash,
 * so a re-converted model never reads a stale entry.
 */

/** Bump when the meaning of cached entries changes: old entries are then simply never matched. */
export const WEIGHTS_CACHE_VERSION = 1;
export const WEIGHTS_CACHE_NAME = `fpt-weights-v${WEIGHTS_CACHE_VERSION}`;

export interface CachedBlob {
  bytes: Uint8Array;
  /** What was stored with the bytes; the loaders keep `sha256` here and re-check it on every read. */
  meta: Record<string, string>;
}

export interface WeightCache {
  get(key: string): Promise<CachedBlob | undefined>;
  /** May reject with a DOMException named "QuotaExceededError" (see isQuotaExceededError). */
  put(key: string, bytes: Uint8Array, meta: Record<string, string>): Promise<void>;
  delete(key: string): Promise<void>;
  keys(): Promise<string[]>;
}

/** `base` plus the cache's own query parameters (version first), e.g. `…/shard-000.bin?fpt-cache=1&sha256=…`. */
export function cacheKey(base: string, params: Record<string, string | number>): string {
  const url = new URL(base);
  url.searchParams.set('fpt-cache', String(WEIGHTS_CACHE_VERSION));
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, String(value));
  url.hash = '';
  return url.href;
}

/** The URL a cache key was made from (its own parameters removed). */
export function cacheKeyBase(key: string): string {
  const url = new URL(key);
  if (!url.searchParams.has('fpt-cache')) return key;
  for (const name of [...url.searchParams.keys()]) {
    if (name === 'fpt-cache' || CACHE_PARAM_NAMES.has(name)) url.searchParams.delete(name);
  }
  return url.href;
}

const CACHE_PARAM_NAMES = new Set(['sha256', 'kind', 'bytes', 'size', 'header']);

/**
 * Browsers (Chromium, Firefox, Safari) report a full origin quota with a DOMException named
 * "QuotaExceededError"; Firefox has also used code 22 / NS_ERROR_DOM_QUOTA_REACHED.
 */
export function isQuotaExceededError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, code } = error as { name?: unknown; code?: unknown };
  return name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED' || code === 22;
}

/** An in-memory cache for Node and tests; `quotaBytes` makes puts fail the way a full browser quota does. */
export class MemoryWeightCache implements WeightCache {
  private readonly entries = new Map<string, CachedBlob>();
  readonly quotaBytes: number;
  /** Keys read with a hit, written and deleted, in order (tests assert on them). */
  readonly log: { op: 'hit' | 'miss' | 'put' | 'delete'; key: string }[] = [];

  constructor(options: { quotaBytes?: number } = {}) {
    this.quotaBytes = options.quotaBytes ?? Infinity;
  }

  get usedBytes(): number {
    let total = 0;
    for (const { bytes } of this.entries.values()) total += bytes.byteLength;
    return total;
  }

  async get(key: string): Promise<CachedBlob | undefined> {
    const entry = this.entries.get(key);
    this.log.push({ op: entry ? 'hit' : 'miss', key });
    // A copy, like Cache Storage: the caller may do what it likes with it.
    return entry && { bytes: entry.bytes.slice(), meta: { ...entry.meta } };
  }

  async put(key: string, bytes: Uint8Array, meta: Record<string, string>): Promise<void> {
    const previous = this.entries.get(key)?.bytes.byteLength ?? 0;
    if (this.usedBytes - previous + bytes.byteLength > this.quotaBytes) {
      throw new DOMException(`storage quota of ${this.quotaBytes} bytes exceeded`, 'QuotaExceededError');
    }
    this.entries.set(key, { bytes: bytes.slice(), meta: { ...meta } });
    this.log.push({ op: 'put', key });
  }

  async delete(key: string): Promise<void> {
    if (this.entries.delete(key)) this.log.push({ op: 'delete', key });
  }

  async keys(): Promise<string[]> {
    return [...this.entries.keys()];
  }

  /** Test hook: change stored bytes in place, as disk corruption would. */
  tamper(key: string, change: (bytes: Uint8Array) => void): void {
    const entry = this.entries.get(key);
    if (entry === undefined) throw new Error(`no cache entry ${key}`);
    change(entry.bytes);
  }
}

const META_HEADER = 'x-fpt-meta';

/** Cache Storage (window.caches or a worker's self.caches): entries survive reloads and browser restarts. */
export class CacheStorageWeightCache implements WeightCache {
  constructor(private readonly cache: Cache) {}

  static async open(storage: CacheStorage, name = WEIGHTS_CACHE_NAME): Promise<CacheStorageWeightCache> {
    return new CacheStorageWeightCache(await storage.open(name));
  }

  async get(key: string): Promise<CachedBlob | undefined> {
    const response = await this.cache.match(key);
    if (response === undefined) return undefined;
    let meta: Record<string, string> = {};
    try {
      meta = JSON.parse(decodeURIComponent(response.headers.get(META_HEADER) ?? '{}')) as Record<string, string>;
    } catch {
      // An unreadable entry carries no hash, so the loader treats it as missing.
    }
    return { bytes: new Uint8Array(await response.arrayBuffer()), meta };
  }

  async put(key: string, bytes: Uint8Array, meta: Record<string, string>): Promise<void> {
    const headers = {
      'content-type': 'application/octet-stream',
      'content-length': String(bytes.byteLength),
      [META_HEADER]: encodeURIComponent(JSON.stringify(meta)),
    };
    await this.cache.put(key, new Response(bytes as Uint8Array<ArrayBuffer>, { headers }));
  }

  async delete(key: string): Promise<void> {
    await this.cache.delete(key);
  }

  async keys(): Promise<string[]> {
    return (await this.cache.keys()).map((request) => request.url);
  }
}

/**
 * The page's weight cache, or null where Cache Storage does not exist (plain http from another host,
 * some private-browsing modes): the loaders then download without caching and say so.
 */
export async function openBrowserWeightCache(name = WEIGHTS_CACHE_NAME): Promise<WeightCache | null> {
  const storage = (globalThis as { caches?: CacheStorage }).caches;
  if (storage === undefined) return null;
  try {
    return await CacheStorageWeightCache.open(storage, name);
  } catch {
    return null; // e.g. Firefox private windows reject caches.open with SecurityError
  }
}

/** Deletes every cached weight (a "clear downloaded models" button). */
export async function clearBrowserWeightCache(name = WEIGHTS_CACHE_NAME): Promise<boolean> {
  const storage = (globalThis as { caches?: CacheStorage }).caches;
  return storage === undefined ? false : storage.delete(name);
}
