/**
 * Hugging Face direct: when nobody converted the model, read the hub's own model.safetensors with
 * HTTP Range requests: the header first, then only the backbone tensors (no wte, no attention-mask
 * buffers), merged into chunks of up to `chunkBytes`, fetched in parallel, cached and decoded like
 * manifest shards.
 *
 * What "verified" means here: the hub publishes no per-chunk hash (only the whole file's sha256, as
 * the LFS ETag, which would need the whole 548 MB). So a chunk is accepted when it is a 206 answer of
 * exactly the requested length whose Content-Range (when the server exposes it) names exactly the
 * requested bytes of a file of the size the header request saw; every tensor's offsets come from the
 * parsed header, which checks each one against its dtype and shape. The chunk's sha256 is then taken
 * and stored with it, so a cached chunk is re-checked against that hash on every later read. The
 * cache keys carry the file size and a hash of the header, so a changed file never mixes with old
 * chunks. Pin `revision` to a commit for fully reproducible weights.
 *
 * Browsers: a single `bytes=a-b` Range header is CORS-safelisted, so no preflight is needed; the hub
 * answers with a 302 to its CDN, which fetch follows (the Range header goes along).
 */
import { CheckpointError } from './checkpoint-error';
import { checkLayerCount, locateTensor, parseGpt2Config, gpt2TensorShapes, type Gpt2Config } from './gpt2-config';
import type { BackboneTensors } from './gpt2-checkpoint';
import { ManifestError } from './load-errors';
import type { LoadedGpt2 } from './load-manifest';
import { LoadSession, type BlobJob, type LoadOptions } from './load-session';
import { parseSafetensorsHeader, safetensorsHeaderSize, type SafetensorsHeader, type SafetensorsTensorInfo } from './safetensors';
import { sha256Hex } from './sha256';
import { checkExpectedConfig, decodeTensor } from './shard-manifest';
import { cacheKey } from './weight-cache';

export const HUB_ENDPOINT = 'https://huggingface.co';

export interface HubLocation {
  /** e.g. "gpt2", "gpt2-medium", "openai-community/gpt2-large"; default "gpt2". */
  repo?: string;
  /** Branch, tag or commit; default "main". */
  revision?: string;
  /** Default https://huggingface.co (tests point it at a local server). */
  endpoint?: string;
  /** Default "model.safetensors". */
  file?: string;
}

export interface HubLoadOptions extends LoadOptions, HubLocation {
  /** Largest merged range request; default 16 MiB (a tensor larger than this is fetched alone). */
  chunkBytes?: number;
  /** Unneeded bytes between two needed tensors that may be fetched to save a request; default 64 KiB. */
  mergeGapBytes?: number;
  /** First request for the header; default 64 KiB (GPT-2's header is about 15 KB). */
  headerProbeBytes?: number;
}

export function hubFileUrl(location: HubLocation, file = location.file ?? 'model.safetensors'): string {
  const endpoint = (location.endpoint ?? HUB_ENDPOINT).replace(/\/+$/, '');
  const repo = location.repo ?? 'gpt2';
  return `${endpoint}/${repo}/resolve/${encodeURIComponent(location.revision ?? 'main')}/${file}`;
}

export interface HubChunk {
  start: number;
  /** Exclusive. */
  end: number;
  tensors: { name: string; info: SafetensorsTensorInfo; start: number }[];
}

/** Which byte ranges of the file hold the backbone (absolute offsets, sorted, merged). */
export function planHubChunks(header: SafetensorsHeader, config: Gpt2Config, chunkBytes: number, mergeGapBytes: number): HubChunk[] {
  checkLayerCount(config, header.tensors.keys(), header.source);
  const wanted = gpt2TensorShapes(config).map(({ name, shape }) => {
    const info = locateTensor(header.tensors, name);
    if (info === undefined) throw new CheckpointError(header.source, `missing from the checkpoint (expected shape [${shape.join(', ')}])`, name);
    if (info.shape.length !== shape.length || info.shape.some((size, i) => size !== shape[i])) {
      throw new CheckpointError(header.source, `wrong shape: expected [${shape.join(', ')}], got [${info.shape.join(', ')}]`, info.name);
    }
    if (info.dtype !== 'F32' && info.dtype !== 'F16' && info.dtype !== 'BF16') {
      throw new CheckpointError(header.source, `dtype "${info.dtype}" cannot be read (F32, F16, BF16)`, info.name);
    }
    return { name, info, start: header.dataStart + info.dataOffsets[0] };
  });
  wanted.sort((a, b) => a.start - b.start);
  const chunks: HubChunk[] = [];
  for (const tensor of wanted) {
    const end = header.dataStart + tensor.info.dataOffsets[1];
    const last = chunks[chunks.length - 1];
    if (last !== undefined && tensor.start - last.end <= mergeGapBytes && end - last.start <= chunkBytes) {
      last.end = Math.max(last.end, end);
      last.tensors.push(tensor);
    } else {
      chunks.push({ start: tensor.start, end, tensors: [tensor] });
    }
  }
  return chunks;
}

export async function loadGpt2FromHub(options: HubLoadOptions = {}): Promise<LoadedGpt2> {
  const fileUrl = hubFileUrl(options);
  const configUrl = hubFileUrl(options, 'config.json');
  const fileName = options.file ?? 'model.safetensors';
  const session = new LoadSession('hub', fileUrl, options);

  // config.json: small, network first, cached for offline reloads.
  const configKey = cacheKey(configUrl, { kind: 'config' });
  const configFetched = await session.fetchSmall(configUrl, configKey);
  let configJson: unknown;
  try {
    configJson = JSON.parse(new TextDecoder().decode(configFetched.bytes));
  } catch (error) {
    throw new ManifestError(configUrl, `not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const config = parseGpt2Config(configJson, configUrl);
  checkExpectedConfig(config, options.expectedConfig, configUrl);
  if (!configFetched.fromCache) await session.putSmall(configKey, configFetched.bytes);

  // The header: one probe range, a second one only if the header is larger than the probe.
  const headerKey = cacheKey(fileUrl, { kind: 'header' });
  const probe = options.headerProbeBytes ?? 65536;
  let headerFetched = await session.fetchSmall(fileUrl, headerKey, { range: [0, probe] });
  let fileSize = headerFetched.fromCache ? optionalNumber(headerFetched.meta.size) : contentRangeTotal(headerFetched.headers);
  const headerBytes = safetensorsHeaderSize(headerFetched.bytes, fileUrl);
  if (headerBytes > headerFetched.bytes.byteLength) {
    headerFetched = await session.fetchSmall(fileUrl, headerKey, { range: [0, headerBytes] });
    if (!headerFetched.fromCache) fileSize = contentRangeTotal(headerFetched.headers) ?? fileSize;
  }
  const headerSlice = headerFetched.bytes.subarray(0, headerBytes);
  const header = parseSafetensorsHeader(headerSlice, fileUrl, fileSize);
  const headerHash = (await sha256Hex(headerSlice)).slice(0, 16);
  if (!headerFetched.fromCache) await session.putSmall(headerKey, headerSlice.slice(), fileSize === undefined ? {} : { size: String(fileSize) });

  const chunks = planHubChunks(header, config, options.chunkBytes ?? 16 * 1024 * 1024, options.mergeGapBytes ?? 65536);
  const jobs: (BlobJob & { chunk: HubChunk })[] = chunks.map((chunk) => ({
    chunk,
    label: `${fileName} bytes ${chunk.start}-${chunk.end - 1}`,
    url: fileUrl,
    cacheKey: cacheKey(fileUrl, { bytes: `${chunk.start}-${chunk.end}`, size: fileSize ?? 'unknown', header: headerHash }),
    bytes: chunk.end - chunk.start,
    range: { start: chunk.start, end: chunk.end, total: fileSize },
  }));
  const loaded: BackboneTensors = new Map();
  await session.runJobs(jobs, (job, bytes) => {
    const { chunk } = job as (typeof jobs)[number];
    for (const tensor of chunk.tensors) {
      const begin = tensor.start - chunk.start;
      const length = tensor.info.dataOffsets[1] - tensor.info.dataOffsets[0];
      loaded.set(tensor.name, decodeTensor({ ...tensor.info, length }, bytes.subarray(begin, begin + length), fileUrl));
    }
  });
  const tensors: BackboneTensors = new Map();
  for (const { name } of gpt2TensorShapes(config)) tensors.set(name, loaded.get(name)!);
  await session.pruneCache(new Set([fileUrl, configUrl]), new Set([configKey, headerKey, ...jobs.map((j) => j.cacheKey)]));
  return { config, tensors, stats: session.finish(), warnings: session.warnings };
}

function contentRangeTotal(headers: Headers | null): number | undefined {
  const match = headers === null ? null : /\/(\d+)\s*$/.exec(headers.get('content-range') ?? '');
  return match ? Number(match[1]) : undefined;
}

function optionalNumber(value: string | undefined): number | undefined {
  return value === undefined ? undefined : Number(value);
}
