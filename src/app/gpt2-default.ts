/**
 * GPT-2 small as the page's next step (issue 13): the first visit starts on the embedded default
 * (settings.ts DEFAULT_SETTINGS); once GPT-2 small's weights have been loaded completely into this
 * browser's weight cache (src/weights/weight-cache.ts), a fresh start with no settings in the link
 * uses GPT-2 small with the paper's Bit XOR FPT preset (Table 2) instead.
 *
 * How "cached" is known: after a GPT-2 small load finishes with the cache on, the cache keys of its
 * pieces (converted shards from the site, or Hugging Face byte ranges) are recorded in localStorage;
 * on a later visit GPT-2 counts as cached only while every recorded key is still in Cache Storage
 * (the browser may evict it, or the user may clear it).
 */
import type { RunSettings } from '../worker/protocol';
import { presetById, presetSettings } from './presets';
import { WEIGHTS_CACHE_NAME } from '../weights/weight-cache';

/** GPT-2 small's converted F16 shards (the converter's output: 171.7 MB, README "Performance"). */
export const GPT2_SHARDS_MB = 172;
/** The same weights read straight from Hugging Face (F32 byte ranges, no `wte`): 343.4 MB. */
export const GPT2_HUB_MB = 343;

/** The preset a cached GPT-2 starts on: Table 2, Bit XOR, FPT (pretrained, the FPT groups). */
export const GPT2_DEFAULT_PRESET = 'table2-bit-xor-pretrained';

export const GPT2_CACHED_STORAGE_KEY = 'fpt-gpt2-cached-pieces';

/** Whether a cache key is one of GPT-2 small's pieces: the site's models/gpt2/ shards or the hub's gpt2 file. */
export function isGpt2Piece(key: string): boolean {
  const path = new URL(key).pathname;
  return /\/models\/gpt2\/[^/]+$/.test(path) || path.startsWith('/gpt2/resolve/');
}

/**
 * What to record after a load: the GPT-2 pieces in the cache, or null when the load was not complete
 * in the cache (caching off or out of quota, or fewer pieces cached than the load had).
 */
export function piecesToRecord(cacheKeys: readonly string[], load: { cache: string; shardsTotal: number } | null): string[] | null {
  if (!load || load.cache !== 'enabled') return null;
  const pieces = cacheKeys.filter(isGpt2Piece).sort();
  return pieces.length >= load.shardsTotal && pieces.length > 0 ? pieces : null;
}

/** Whether every recorded piece is still cached. */
export function gpt2AllCached(recorded: readonly string[] | null, cacheKeys: readonly string[]): boolean {
  if (!recorded || recorded.length === 0) return false;
  const present = new Set(cacheKeys);
  return recorded.every((k) => present.has(k));
}

/**
 * The settings a fresh start (no saved run to resume) begins with: the link's or the embedded
 * default, unless the link states no settings and GPT-2 small is cached; then the GPT-2 preset.
 */
export function startingSettings(current: RunSettings, linkHasSettings: boolean, gpt2Cached: boolean): { settings: RunSettings; presetId: string } | null {
  if (linkHasSettings || !gpt2Cached) return null;
  const preset = presetById(GPT2_DEFAULT_PRESET)!;
  return { settings: presetSettings(preset, current, 'gpt2'), presetId: preset.id };
}

function readRecord(): string[] | null {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(GPT2_CACHED_STORAGE_KEY) ?? 'null');
    return Array.isArray(parsed) && parsed.every((k) => typeof k === 'string') ? parsed : null;
  } catch {
    return null;
  }
}

async function weightCacheKeys(): Promise<string[]> {
  if (typeof caches === 'undefined') return [];
  const cache = await caches.open(WEIGHTS_CACHE_NAME);
  return (await cache.keys()).map((r) => r.url);
}

/** Whether a complete GPT-2 load was ever recorded in this browser (read synchronously). */
export function hasGpt2Record(): boolean {
  return readRecord() !== null;
}

/** In the page: whether GPT-2 small's weights are all in this browser's weight cache. */
export async function isGpt2Cached(): Promise<boolean> {
  const recorded = readRecord();
  if (!recorded) return false;
  try {
    return gpt2AllCached(recorded, await weightCacheKeys());
  } catch {
    return false;
  }
}

/** In the page, after a GPT-2 small load: remember its cached pieces (or forget them if incomplete). */
export async function recordGpt2Cached(load: { cache: string; shardsTotal: number } | null): Promise<void> {
  try {
    const pieces = piecesToRecord(await weightCacheKeys(), load);
    if (pieces) localStorage.setItem(GPT2_CACHED_STORAGE_KEY, JSON.stringify(pieces));
    else localStorage.removeItem(GPT2_CACHED_STORAGE_KEY);
  } catch {
    // No storage (private mode, blocked): the next visit simply starts on the embedded default.
  }
}
