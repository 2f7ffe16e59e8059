/**
 * The machinery both weight loaders share: HTTP with retries and backoff, streamed bodies with byte-
 * level progress, a bounded pool of parallel downloads, sha256 verification, the cache (read-verify,
 * write, quota), cancellation, and the progress/ETA bookkeeping. No Node APIs: runs in a page or a
 * worker, and in Node 20 for tests.
 */
import { concatBytes } from './bytes';
import { CheckpointError } from './checkpoint-error';
import { abortReason, ShardIntegrityError, WeightsFetchError } from './load-errors';
import type { ExpectedConfig } from './shard-manifest';
import { sha256Hex } from './sha256';
import { cacheKeyBase, isQuotaExceededError, type WeightCache } from './weight-cache';

export type CacheStatus =
  /** Verified pieces are read from and written to the cache. */
  | 'enabled'
  /** No cache was given (or the browser has none): everything comes from the network. */
  | 'none'
  /** The storage quota ran out: the load goes on without caching what is left. */
  | 'quota-exceeded'
  /** The cache failed in another way: the load goes on without it. */
  | 'failed';

export type LoadPhase = 'manifest' | 'download' | 'done';

/** What `onProgress` receives (throttled to one per `progressIntervalMs`, plus every shard completion). */
export interface LoadProgress {
  phase: LoadPhase;
  /** 'manifest': converted shards; 'hub': byte ranges of the Hugging Face model.safetensors. */
  source: 'manifest' | 'hub';
  /** Verified bytes so far plus bytes of shards still arriving (cache and network together). */
  bytesLoaded: number;
  bytesTotal: number;
  /** 0-100. */
  percent: number;
  /** Shards (or hub chunks) verified and decoded. */
  shardsDone: number;
  shardsTotal: number;
  shardsFromCache: number;
  bytesFromNetwork: number;
  bytesFromCache: number;
  /** Network throughput so far, or null before any network byte. */
  bytesPerSecond: number | null;
  /** Seconds left at that throughput; null while unknown, 0 when done. */
  etaSeconds: number | null;
  cache: CacheStatus;
  /** Set when something the user should know about happened (quota exceeded, a retry, a corrupt cache entry). */
  message?: string;
}

export interface LoadOptions {
  /** Injected fetch (default: globalThis.fetch). */
  fetch?: typeof fetch;
  /** Where verified shards persist; null or absent: no caching (stats.cache is 'none'). */
  cache?: WeightCache | null;
  signal?: AbortSignal;
  onProgress?: (progress: LoadProgress) => void;
  /** Parallel downloads; default 4 (browsers allow 6 connections per host over HTTP/1.1). */
  concurrency?: number;
  /** Retries after the first attempt, for network errors and 404/408/425/429/5xx; default 3. */
  retries?: number;
  /** First backoff in ms, doubled each retry (with up to 25% jitter); default 500. */
  backoffMs?: number;
  /** A request receiving nothing for this long is aborted and retried; default 30 000. */
  stallTimeoutMs?: number;
  /** Minimum ms between two byte-level progress events; default 100. */
  progressIntervalMs?: number;
  /** Refuse weights of another size (e.g. the preset the user picked). */
  expectedConfig?: ExpectedConfig;
}

export interface LoadStats {
  source: 'manifest' | 'hub';
  /** The manifest URL, or the hub's model.safetensors URL. */
  url: string;
  bytesTotal: number;
  /** Shard/chunk bytes received from the network, including any discarded as corrupt. */
  bytesFromNetwork: number;
  bytesFromCache: number;
  /** Every response body byte received, manifest/config/header included. */
  bytesTransferred: number;
  shardsTotal: number;
  shardsFromCache: number;
  shardsFromNetwork: number;
  /** fetch() calls made, of which for shards or chunks. */
  requests: number;
  shardRequests: number;
  retries: number;
  cache: CacheStatus;
  ms: number;
}

/** One piece to obtain: a manifest shard, or a byte range of a hub file. */
export interface BlobJob {
  /** How messages name it: "shard-003.bin", "model.safetensors bytes 1024-2047". */
  label: string;
  url: string;
  cacheKey: string;
  bytes: number;
  /** Known in advance for manifest shards; hub ranges are hashed on arrival, for the cache. */
  sha256?: string;
  /** [start, end) of the file at `url`; `total` is the file size when known. */
  range?: { start: number; end: number; total?: number };
}

export interface FetchedBytes {
  bytes: Uint8Array;
  status: number;
  headers: Headers;
  /** The URL after redirects. */
  finalUrl: string;
}

/** Largest manifest.json or config.json a loader reads (GPT-2 large's manifest is about 60 KB). */
export const SMALL_FILE_LIMIT = 16 * 1024 * 1024;

const RETRYABLE_STATUS = new Set([404, 408, 425, 429, 500, 502, 503, 504]);

class StallError extends Error {}

export class LoadSession {
  readonly stats: LoadStats;
  readonly warnings: string[] = [];
  readonly source: 'manifest' | 'hub';
  private readonly fetchImpl: typeof fetch;
  private cache: WeightCache | null;
  private readonly controller = new AbortController();
  private readonly userSignal: AbortSignal | undefined;
  private readonly opts: Required<Pick<LoadOptions, 'concurrency' | 'retries' | 'backoffMs' | 'stallTimeoutMs' | 'progressIntervalMs'>>;
  private readonly onProgress: ((progress: LoadProgress) => void) | undefined;
  private readonly started = now();
  private phase: LoadPhase = 'manifest';
  private firstNetworkAt: number | null = null;
  private lastEmit = -Infinity;
  private shardsDone = 0;
  private verifiedBytes = 0;
  private readonly inFlight = new Map<BlobJob, number>();

  constructor(source: 'manifest' | 'hub', url: string, options: LoadOptions) {
    this.source = source;
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.cache = options.cache ?? null;
    this.userSignal = options.signal;
    this.onProgress = options.onProgress;
    this.opts = {
      concurrency: Math.max(1, options.concurrency ?? 4),
      retries: Math.max(0, options.retries ?? 3),
      backoffMs: options.backoffMs ?? 500,
      stallTimeoutMs: options.stallTimeoutMs ?? 30_000,
      progressIntervalMs: options.progressIntervalMs ?? 100,
    };
    this.stats = {
      source,
      url,
      bytesTotal: 0,
      bytesFromNetwork: 0,
      bytesFromCache: 0,
      bytesTransferred: 0,
      shardsTotal: 0,
      shardsFromCache: 0,
      shardsFromNetwork: 0,
      requests: 0,
      shardRequests: 0,
      retries: 0,
      cache: this.cache === null ? 'none' : 'enabled',
      ms: 0,
    };
    if (options.signal !== undefined) {
      if (options.signal.aborted) this.controller.abort(abortReason(options.signal));
      else options.signal.addEventListener('abort', () => this.controller.abort(abortReason(options.signal!)), { once: true });
    }
    this.emit(true); // phase 'manifest': the page can say "looking up the model…" at once
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Throws the user's abort reason when cancelled. */
  throwIfCancelled(): void {
    if (this.userSignal?.aborted) throw abortReason(this.userSignal);
    if (this.controller.signal.aborted) throw this.controller.signal.reason;
  }

  warn(message: string): void {
    this.warnings.push(message);
    this.emit(true, message);
  }

  // ---- small files: manifest, config.json, the safetensors header ----

  /**
   * Network first, the cached copy when the network fails (so a complete cache loads offline). With a
   * cached copy there is one attempt only, so an offline reload does not wait through backoff.
   */
  async fetchSmall(
    url: string,
    key: string,
    init: { range?: [number, number]; retryOn404?: boolean } = {},
  ): Promise<{ bytes: Uint8Array; headers: Headers | null; fromCache: boolean; meta: Record<string, string> }> {
    const cached = await this.cacheGet(key);
    try {
      const fetched = await this.fetchWithRetry(url, {
        range: init.range,
        attempts: cached ? 1 : this.opts.retries + 1,
        retryOn404: init.retryOn404 ?? true,
        noStore: false,
      });
      return { bytes: fetched.bytes, headers: fetched.headers, fromCache: false, meta: {} };
    } catch (error) {
      this.throwIfCancelled();
      if (cached === undefined) throw error;
      this.warn(`${url} could not be fetched (${error instanceof Error ? error.message : String(error)}); using the copy cached on an earlier visit`);
      return { bytes: cached.bytes, headers: null, fromCache: true, meta: cached.meta };
    }
  }

  /** Stores a small file; failures only turn caching off (never fail the load). */
  async putSmall(key: string, bytes: Uint8Array, meta: Record<string, string> = {}): Promise<void> {
    await this.cachePut(key, bytes, { ...meta, sha256: await sha256Hex(bytes) });
  }

  // ---- the shards ----

  /**
   * Obtains every job (cache first, then network), verified, `concurrency` at a time, and hands each
   * one's bytes to `use` as soon as it is ready (decode there and drop the bytes). The first failure
   * cancels the rest; nothing partial is returned.
   */
  async runJobs(jobs: BlobJob[], use: (job: BlobJob, bytes: Uint8Array) => void | Promise<void>): Promise<void> {
    this.phase = 'download';
    this.stats.shardsTotal = jobs.length;
    this.stats.bytesTotal = jobs.reduce((sum, job) => sum + job.bytes, 0);
    this.emit(true);
    let next = 0;
    let failure: { error: unknown } | undefined;
    const worker = async () => {
      while (failure === undefined) {
        const job = jobs[next++];
        if (job === undefined) return;
        try {
          const bytes = await this.obtain(job);
          await use(job, bytes);
          this.shardsDone++;
          this.emit(true);
        } catch (error) {
          if (failure === undefined) {
            failure = { error };
            if (!this.controller.signal.aborted) this.controller.abort(new DOMException('another download failed', 'AbortError'));
          }
          return;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.opts.concurrency, jobs.length) }, worker));
    if (failure !== undefined) {
      if (this.userSignal?.aborted) throw abortReason(this.userSignal);
      throw failure.error;
    }
  }

  /** Deletes cached entries for these URLs that the current load did not use (an older conversion). */
  async pruneCache(bases: Set<string>, keep: Set<string>): Promise<void> {
    if (this.cache === null || this.stats.cache !== 'enabled') return;
    try {
      for (const key of await this.cache.keys()) {
        if (!keep.has(key) && bases.has(cacheKeyBase(key))) await this.cache.delete(key);
      }
    } catch {
      // Pruning is housekeeping; a failure costs space, not correctness.
    }
  }

  finish(): LoadStats {
    this.phase = 'done';
    this.stats.ms = now() - this.started;
    this.emit(true);
    return { ...this.stats };
  }

  private async obtain(job: BlobJob): Promise<Uint8Array> {
    const cached = await this.cacheGet(job.cacheKey);
    if (cached !== undefined) {
      const actual = await sha256Hex(cached.bytes);
      const problem =
        job.sha256 === undefined && cached.meta.sha256 === undefined
          ? { expected: 'a stored sha256', actual, detail: 'no sha256 stored with it' }
          : this.check(job, cached.bytes, actual, cached.meta.sha256);
      if (problem === null) {
        this.stats.bytesFromCache += job.bytes;
        this.stats.shardsFromCache++;
        this.verifiedBytes += job.bytes;
        return cached.bytes;
      }
      await this.cacheDelete(job.cacheKey);
      this.warn(`cached ${job.label} was damaged (${problem.detail}); downloading it again`);
    }
    let problem: { expected: string; actual: string; detail: string } | null = null;
    // A corrupt download is discarded and fetched once more; twice corrupt is an error naming it.
    for (let attempt = 1; attempt <= 2; attempt++) {
      this.stats.shardRequests++;
      const fetched = await this.fetchWithRetry(job.url, {
        range: job.range && [job.range.start, job.range.end],
        job,
        expectedBytes: job.bytes,
        attempts: this.opts.retries + 1,
        retryOn404: true,
        noStore: true,
      });
      const rangeProblem = job.range ? checkContentRange(job, fetched) : null;
      const sha256 = await sha256Hex(fetched.bytes);
      problem = rangeProblem ?? this.check(job, fetched.bytes, sha256, undefined);
      this.inFlight.delete(job);
      if (problem === null) {
        this.stats.shardsFromNetwork++;
        this.verifiedBytes += job.bytes;
        await this.cachePut(job.cacheKey, fetched.bytes, { sha256 });
        return fetched.bytes;
      }
      if (attempt === 1) this.warn(`${job.label} from ${job.url} failed its integrity check (${problem.detail}); discarded, fetching it again`);
    }
    throw new ShardIntegrityError(job.url, job.label, problem!.expected, problem!.actual);
  }

  /** null when `bytes` is what the job promised (size, and sha256 when known). */
  private check(
    job: BlobJob,
    bytes: Uint8Array,
    actual: string,
    storedSha256: string | undefined,
  ): { expected: string; actual: string; detail: string } | null {
    if (bytes.byteLength !== job.bytes) {
      return { expected: `${job.bytes} bytes`, actual: `${bytes.byteLength} bytes`, detail: `${bytes.byteLength} bytes instead of ${job.bytes}` };
    }
    // Manifest shards have their hash in the manifest. A hub range has none: on arrival, the right
    // size (and Content-Range) is all there is to check, and the hash taken then guards the cache copy.
    const expected = job.sha256 ?? storedSha256;
    if (expected === undefined) return null;
    if (actual !== expected)
      return { expected: `sha256 ${expected}`, actual: `sha256 ${actual}`, detail: `sha256 ${actual.slice(0, 12)}… instead of ${expected.slice(0, 12)}…` };
    return null;
  }

  // ---- HTTP ----

  async fetchWithRetry(
    url: string,
    init: { range?: [number, number]; job?: BlobJob; expectedBytes?: number; attempts: number; retryOn404: boolean; noStore: boolean },
  ): Promise<FetchedBytes> {
    let lastDetail = '';
    let lastStatus: number | undefined;
    let lastRetryAfter: number | undefined;
    for (let attempt = 1; attempt <= init.attempts; attempt++) {
      this.throwIfCancelled();
      if (attempt > 1) {
        this.stats.retries++;
        await this.sleep(this.backoff(attempt - 1, lastRetryAfter));
        lastRetryAfter = undefined;
      }
      const attemptController = new AbortController();
      const onAbort = () => attemptController.abort(this.controller.signal.reason);
      this.controller.signal.addEventListener('abort', onAbort, { once: true });
      let stallTimer: ReturnType<typeof setTimeout> | undefined;
      const armStall = () => {
        clearTimeout(stallTimer);
        stallTimer = setTimeout(() => attemptController.abort(new StallError(`no data for ${this.opts.stallTimeoutMs} ms`)), this.opts.stallTimeoutMs);
      };
      try {
        armStall();
        this.stats.requests++;
        const headers: Record<string, string> = {};
        if (init.range) headers.Range = `bytes=${init.range[0]}-${init.range[1] - 1}`;
        const response = await this.fetchImpl(url, {
          headers,
          signal: attemptController.signal,
          cache: init.noStore ? 'no-store' : 'no-cache',
          redirect: 'follow',
        });
        if (!response.ok) {
          await response.body?.cancel().catch(() => undefined);
          lastStatus = response.status;
          lastDetail = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
          const retryable = RETRYABLE_STATUS.has(response.status) && (response.status !== 404 || init.retryOn404);
          if (!retryable) throw new WeightsFetchError(url, `${lastDetail}`, response.status, attempt);
          lastRetryAfter = retryAfterMs(response.headers.get('retry-after'));
          if (attempt < init.attempts) this.emit(true, `${url}: ${lastDetail}, retrying (${attempt}/${init.attempts - 1})`);
          continue;
        }
        if (init.range && response.status !== 206) {
          await response.body?.cancel().catch(() => undefined);
          throw new WeightsFetchError(
            url,
            `asked for bytes ${init.range[0]}-${init.range[1] - 1} but the server answered ${response.status}, not 206 Partial Content: it does not support HTTP Range requests`,
            response.status,
            attempt,
          );
        }
        const limit = init.range ? init.range[1] - init.range[0] : SMALL_FILE_LIMIT;
        const bytes = await this.readBody(response, url, init.expectedBytes, limit, init.job, armStall);
        return { bytes, status: response.status, headers: response.headers, finalUrl: response.url || url };
      } catch (error) {
        // A bad answer (not a failed connection) is not retried.
        if (error instanceof CheckpointError) throw error;
        if (init.job) this.inFlight.delete(init.job);
        this.throwIfCancelled();
        const reason = attemptController.signal.reason instanceof StallError ? attemptController.signal.reason.message : describeNetworkError(error);
        lastStatus = undefined;
        lastDetail = `network error (${reason})`;
        if (attempt < init.attempts) this.emit(true, `${url}: ${lastDetail}, retrying (${attempt}/${init.attempts - 1})`);
      } finally {
        clearTimeout(stallTimer);
        this.controller.signal.removeEventListener('abort', onAbort);
      }
    }
    const tries = init.attempts === 1 ? '1 attempt' : `${init.attempts} attempts`;
    throw new WeightsFetchError(url, `${lastDetail} after ${tries}`, lastStatus, init.attempts);
  }

  /**
   * Reads a body as its bytes arrive: memory grows with what was received, never with what a manifest
   * or header claims. A body longer than `expectedBytes` is cut one chunk past it (the size check then
   * names it); one with no expected size may not exceed `limit` bytes.
   */
  private async readBody(
    response: Response,
    url: string,
    expectedBytes: number | undefined,
    limit: number,
    job: BlobJob | undefined,
    onData: () => void,
  ): Promise<Uint8Array> {
    const body = response.body;
    if (body === null) {
      const bytes = new Uint8Array(await response.arrayBuffer());
      this.countReceived(bytes.byteLength, job);
      return bytes;
    }
    const reader = body.getReader();
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      onData();
      this.countReceived(value.byteLength, job);
      chunks.push(value);
      total += value.byteLength;
      if (expectedBytes !== undefined ? total > expectedBytes : total > limit) {
        await reader.cancel().catch(() => undefined);
        if (expectedBytes !== undefined) break;
        throw new CheckpointError(url, `the response is larger than ${limit} bytes, more than this file can be: stopped reading it (wrong URL?)`);
      }
    }
    return concatBytes(chunks);
  }

  private countReceived(n: number, job: BlobJob | undefined): void {
    this.stats.bytesTransferred += n;
    if (job === undefined) return;
    this.firstNetworkAt ??= now();
    this.stats.bytesFromNetwork += n;
    this.inFlight.set(job, (this.inFlight.get(job) ?? 0) + n);
    this.emit(false);
  }

  private backoff(retry: number, retryAfter: number | undefined): number {
    const base = this.opts.backoffMs * 2 ** (retry - 1) * (1 + 0.25 * Math.random());
    return Math.max(base, Math.min(retryAfter ?? 0, 30_000));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const signal = this.controller.signal;
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal.reason);
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  // ---- cache ----

  private async cacheGet(key: string) {
    if (this.cache === null || this.stats.cache === 'failed') return undefined;
    try {
      return await this.cache.get(key);
    } catch {
      return undefined;
    }
  }

  private async cachePut(key: string, bytes: Uint8Array, meta: Record<string, string>): Promise<void> {
    if (this.cache === null || this.stats.cache !== 'enabled') return;
    try {
      await this.cache.put(key, bytes, meta);
    } catch (error) {
      if (isQuotaExceededError(error)) {
        this.stats.cache = 'quota-exceeded';
        this.warn(
          "browser storage is full: the model loads without being cached, so the next visit downloads it again (free space in the browser's site settings)",
        );
      } else {
        this.stats.cache = 'failed';
        this.warn(`the weight cache failed (${error instanceof Error ? error.message : String(error)}): loading without caching`);
      }
    }
  }

  private async cacheDelete(key: string): Promise<void> {
    try {
      await this.cache?.delete(key);
    } catch {
      // Nothing more to do: the entry will fail verification again next time.
    }
  }

  // ---- progress ----

  private emit(force: boolean, message?: string): void {
    if (this.onProgress === undefined) return;
    const t = now();
    if (!force && t - this.lastEmit < this.opts.progressIntervalMs) return;
    this.lastEmit = t;
    let inFlight = 0;
    for (const n of this.inFlight.values()) inFlight += n;
    const bytesTotal = this.stats.bytesTotal;
    const bytesLoaded = Math.min(bytesTotal, this.verifiedBytes + inFlight);
    const seconds = this.firstNetworkAt === null ? 0 : (t - this.firstNetworkAt) / 1000;
    const bytesPerSecond = seconds > 0 ? this.stats.bytesFromNetwork / seconds : null;
    const done = this.phase === 'done';
    const etaSeconds = done ? 0 : bytesPerSecond ? (bytesTotal - bytesLoaded) / bytesPerSecond : null;
    const progress: LoadProgress = {
      phase: this.phase,
      source: this.source,
      bytesLoaded: done ? bytesTotal : bytesLoaded,
      bytesTotal,
      percent: done ? 100 : bytesTotal > 0 ? (100 * bytesLoaded) / bytesTotal : 0,
      shardsDone: this.shardsDone,
      shardsTotal: this.stats.shardsTotal,
      shardsFromCache: this.stats.shardsFromCache,
      bytesFromNetwork: this.stats.bytesFromNetwork,
      bytesFromCache: this.stats.bytesFromCache,
      bytesPerSecond,
      etaSeconds,
      cache: this.stats.cache,
    };
    if (message !== undefined) progress.message = message;
    try {
      this.onProgress(progress);
    } catch {
      // A throwing progress handler must not break the download.
    }
  }
}

/** A hub range answer must say it is exactly the bytes asked for (when the header is visible at all). */
function checkContentRange(job: BlobJob, fetched: FetchedBytes): { expected: string; actual: string; detail: string } | null {
  const header = fetched.headers.get('content-range');
  // Cross-origin responses hide Content-Range unless the server exposes it; the byte count still holds.
  if (header === null || job.range === undefined) return null;
  const expectedStart = job.range.start;
  const expectedEnd = job.range.end - 1;
  const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header.trim());
  const total = match && match[3] !== '*' ? Number(match[3]) : undefined;
  if (
    match === null ||
    Number(match[1]) !== expectedStart ||
    Number(match[2]) !== expectedEnd ||
    (job.range.total !== undefined && total !== undefined && total !== job.range.total)
  ) {
    const expected = `bytes ${expectedStart}-${expectedEnd}/${job.range.total ?? '*'}`;
    return {
      expected: `Content-Range ${expected}`,
      actual: `Content-Range ${header}`,
      detail: `server sent "${header}" for ${expected} (the file changed on the server?)`,
    };
  }
  return null;
}

function retryAfterMs(value: string | null): number | undefined {
  if (value === null) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as Error & { cause?: unknown }).cause;
  if (cause instanceof Error) {
    const code = (cause as Error & { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${cause.message}` : cause.message;
  }
  return error.message;
}

function now(): number {
  return globalThis.performance?.now() ?? Date.now();
}
