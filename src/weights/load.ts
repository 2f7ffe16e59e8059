/**
 * The page's entry point for weights (no Node APIs, no React):
 *
 * ```ts
 * const controller = new AbortController();
 * const cache = await openBrowserWeightCache();          // null where Cache Storage is unavailable
 * const { config, tensors, stats, warnings } = await loadGpt2Weights(
 *   { manifestUrl: '/models/gpt2/manifest.json', hub: { repo: 'gpt2' } },
 *   { cache, signal: controller.signal, onProgress: (p) => store.setLoad(p), expectedConfig: GPT2_PRESETS.gpt2 },
 * );
 * ```
 * A converted manifest is used when the server has one; when it answers 404 (nobody ran the
 * converter), or answers with an HTML page (a single-page-app host's fallback), and `hub` is given, the Hugging Face file is read directly with Range requests.
 */
import { ManifestIsHtmlError, WeightsFetchError } from './load-errors';
import { loadGpt2FromHub, type HubLoadOptions, type HubLocation } from './load-hub';
import { loadGpt2FromManifest, resolveUrl, type LoadedGpt2, type ManifestLoadOptions } from './load-manifest';

export interface WeightsSource {
  /** A converted model's manifest.json (relative URLs resolve against the page). */
  manifestUrl?: string;
  /** Where to read the model on the Hugging Face hub when there is no manifest. */
  hub?: HubLocation;
}

export type LoadWeightsOptions = ManifestLoadOptions & Omit<HubLoadOptions, keyof HubLocation>;

export async function loadGpt2Weights(source: WeightsSource, options: LoadWeightsOptions = {}): Promise<LoadedGpt2> {
  if (source.manifestUrl === undefined && source.hub === undefined) throw new Error('loadGpt2Weights needs a manifestUrl, a hub location, or both');
  if (source.manifestUrl !== undefined) {
    const manifestUrl = resolveUrl(source.manifestUrl, options.baseUrl);
    try {
      return await loadGpt2FromManifest(manifestUrl, { ...options, retryManifestOn404: source.hub === undefined });
    } catch (error) {
      const noManifest =
        (error instanceof WeightsFetchError && error.status === 404 && error.url === manifestUrl) ||
        (error instanceof ManifestIsHtmlError && error.url === manifestUrl);
      if (!noManifest || source.hub === undefined) throw error;
      const loaded = await loadGpt2FromHub({ ...options, ...source.hub });
      loaded.warnings.unshift(`no converted model at ${manifestUrl}; read ${loaded.stats.url} directly`);
      return loaded;
    }
  }
  return loadGpt2FromHub({ ...options, ...source.hub });
}

export { loadGpt2FromManifest, type LoadedGpt2, type ManifestLoadOptions } from './load-manifest';
export { loadGpt2FromHub, hubFileUrl, HUB_ENDPOINT, type HubLoadOptions, type HubLocation } from './load-hub';
export type { CacheStatus, LoadOptions, LoadPhase, LoadProgress, LoadStats } from './load-session';
export { ManifestError, ManifestIsHtmlError, ShardIntegrityError, WeightsFetchError, isAbortError } from './load-errors';
export { CheckpointError } from './checkpoint-error';
export {
  MemoryWeightCache,
  CacheStorageWeightCache,
  openBrowserWeightCache,
  clearBrowserWeightCache,
  isQuotaExceededError,
  WEIGHTS_CACHE_NAME,
  type WeightCache,
  type CachedBlob,
} from './weight-cache';
export type { ExpectedConfig, ShardManifest } from './shard-manifest';
