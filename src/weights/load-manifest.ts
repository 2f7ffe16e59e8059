/**
 * Browser loader for converted checkpoints: manifest.json, then its shards in parallel, each verified
 * against the manifest's sha256 (Web Crypto) before use, cached, and decoded to float32 as it arrives.
 * No Node APIs, no React: call it from a page or a worker.
 */
import type { Gpt2Checkpoint } from './gpt2-checkpoint';
import { ManifestError, ManifestIsHtmlError } from './load-errors';
import { LoadSession, type BlobJob, type LoadOptions, type LoadStats } from './load-session';
import { assembleCheckpoint, decodeShardTensors, parseShardManifest, type ShardManifest } from './shard-manifest';
import type { BackboneTensors } from './gpt2-checkpoint';
import { cacheKey } from './weight-cache';

export interface LoadedGpt2 extends Gpt2Checkpoint {
  stats: LoadStats;
  /** Things the page should tell the user (quota exceeded, retries that succeeded, offline fallbacks). */
  warnings: string[];
  /** sha256 of the file the weights were converted from, where a manifest records it. */
  sourceSha256?: string;
}

export interface ManifestLoadOptions extends LoadOptions {
  /** Resolves a relative manifest URL; default: the page's location. */
  baseUrl?: string;
  /** Retry a 404 on manifest.json itself (default true; loadGpt2Weights turns it off to fall back to the hub). */
  retryManifestOn404?: boolean;
}

export function resolveUrl(url: string, baseUrl: string | undefined): string {
  const base = baseUrl ?? (typeof location === 'undefined' ? undefined : location.href);
  return new URL(url, base).href;
}

export async function loadGpt2FromManifest(manifestUrl: string, options: ManifestLoadOptions = {}): Promise<LoadedGpt2 & { manifest: ShardManifest }> {
  const url = resolveUrl(manifestUrl, options.baseUrl);
  const session = new LoadSession('manifest', url, options);
  const manifestKey = cacheKey(url, { kind: 'manifest' });
  const fetched = await session.fetchSmall(url, manifestKey, { retryOn404: options.retryManifestOn404 ?? true });
  if (looksLikeHtml(fetched.bytes)) throw new ManifestIsHtmlError(url);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(fetched.bytes));
  } catch (error) {
    throw new ManifestError(url, `not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const valid = parseShardManifest(json, url, options.expectedConfig);
  if (!fetched.fromCache) await session.putSmall(manifestKey, fetched.bytes);

  const jobs: (BlobJob & { shard: number })[] = valid.neededShards.map((index) => {
    const shard = valid.manifest.shards[index];
    const shardUrl = new URL(shard.file, url).href;
    return { shard: index, label: shard.file, url: shardUrl, cacheKey: cacheKey(shardUrl, { sha256: shard.sha256 }), bytes: shard.bytes, sha256: shard.sha256 };
  });
  const loaded: BackboneTensors = new Map();
  await session.runJobs(jobs, (job, bytes) => {
    decodeShardTensors(valid, (job as (typeof jobs)[number]).shard, bytes, job.url, loaded);
  });
  const checkpoint = assembleCheckpoint(valid.config, loaded, url);
  // Entries of an older conversion at the same URLs only take space now.
  await session.pruneCache(
    new Set([url, ...valid.manifest.shards.map((s) => new URL(s.file, url).href)]),
    new Set([manifestKey, ...jobs.map((j) => j.cacheKey)]),
  );
  return { ...checkpoint, manifest: valid.manifest, sourceSha256: valid.manifest.source.sha256, stats: session.finish(), warnings: session.warnings };
}

/** True when the bytes start (after whitespace and a byte-order mark) with `<`: an HTML page, never JSON. */
export function looksLikeHtml(bytes: Uint8Array): boolean {
  const head = new TextDecoder()
    .decode(bytes.subarray(0, 64))
    .replace(/^\uFEFF/, '')
    .trimStart();
  return head.startsWith('<');
}
