/**
 * Hugging Face GPT-2 safetensors -> sharded manifest (see shard-manifest.ts). Framework-free: the
 * caller supplies the parsed header and a byte reader (a file handle in Node, a Blob in a page) and
 * receives each finished shard to store; one shard is in memory at a time.
 */
import { CheckpointError } from './checkpoint-error';
import { float32ToFloat16Bits, hostIsLittleEndian } from './float16';
import { checkLayerCount, gpt2TensorShapes, locateTensor, parseGpt2Config } from './gpt2-config';
import { decodeTensorBytes, elementCount, requireFinite, type SafetensorsHeader, type SafetensorsTensorInfo } from './safetensors';
import { sha256Hex } from './sha256';
import {
  MANIFEST_FORMAT,
  MANIFEST_LIMITS,
  MANIFEST_VERSION,
  WTE_NAME,
  type ManifestShard,
  type ManifestSource,
  type ManifestTensor,
  type ShardDtype,
  type ShardManifest,
} from './shard-manifest';

export const DEFAULT_SHARD_BYTES = 16 * 1024 * 1024;
export const CONVERTER_NAME = 'fpt models:convert';

export interface ConvertSource {
  header: SafetensorsHeader;
  /** Bytes [begin, end) of the data buffer (offsets as in the header). */
  read(begin: number, end: number): Promise<Uint8Array>;
  /** The Hugging Face config.json, parsed. */
  configJson: Record<string, unknown>;
  description: ManifestSource;
}

export interface ConvertOptions {
  /** Storage dtype; default F16 (half the download; values within F16 rounding). */
  dtype?: ShardDtype;
  /** Target shard size. A tensor larger than this gets a shard of its own. */
  shardBytes?: number;
  /** Keep the token table wte (FPT never uses it). */
  keepWte?: boolean;
}

export interface ConvertedShard {
  index: number;
  file: string;
  bytes: Uint8Array;
  sha256: string;
}

export function shardFileName(index: number): string {
  return `shard-${String(index).padStart(3, '0')}.bin`;
}

interface PlannedTensor {
  stored: SafetensorsTensorInfo;
  entry: ManifestTensor;
}

/**
 * Converts and hands each finished shard to `writeShard` in order; resolves to the manifest (write it
 * last, so a half-finished conversion is never mistaken for a complete one).
 */
export async function convertGpt2ToShards(
  source: ConvertSource,
  options: ConvertOptions,
  writeShard: (shard: ConvertedShard) => Promise<void>,
): Promise<ShardManifest> {
  const dtype = options.dtype ?? 'F16';
  const shardBytes = options.shardBytes ?? DEFAULT_SHARD_BYTES;
  if (!(shardBytes > 0 && shardBytes <= MANIFEST_LIMITS.shardBytes)) {
    throw new CheckpointError(
      source.header.source,
      `shard size must be positive and at most ${MANIFEST_LIMITS.shardBytes / 2 ** 20} MiB, not ${shardBytes} bytes`,
    );
  }
  const config = parseGpt2Config(source.configJson, `${source.description.file} config`);
  checkLayerCount(config, source.header.tensors.keys(), source.header.source);
  const specs = gpt2TensorShapes(config);
  if (options.keepWte) {
    const wte = locateTensor(source.header.tensors, WTE_NAME);
    if (wte === undefined) throw new CheckpointError(source.header.source, '--keep-wte asked for it, but the checkpoint has none', WTE_NAME);
    specs.push({ name: WTE_NAME, shape: wte.shape });
  }
  const elementBytes = dtype === 'F32' ? 4 : 2;

  // Lay tensors out first: whole tensors, back to back, a new shard when the next would overflow.
  const planned: PlannedTensor[] = [];
  const shardSizes: number[] = [];
  for (const spec of specs) {
    const stored = locateTensor(source.header.tensors, spec.name);
    if (stored === undefined) {
      throw new CheckpointError(source.header.source, `missing from the checkpoint (expected shape [${spec.shape.join(', ')}])`, spec.name);
    }
    if (stored.shape.length !== spec.shape.length || stored.shape.some((size, i) => size !== spec.shape[i])) {
      throw new CheckpointError(source.header.source, `wrong shape: expected [${spec.shape.join(', ')}], got [${stored.shape.join(', ')}]`, stored.name);
    }
    const length = elementCount(spec.shape) * elementBytes;
    let shard = shardSizes.length - 1;
    if (shard < 0 || (shardSizes[shard] > 0 && shardSizes[shard] + length > shardBytes)) {
      shardSizes.push(0);
      shard++;
    }
    planned.push({ stored, entry: { name: spec.name, dtype, shape: [...spec.shape], shard, offset: shardSizes[shard], length } });
    shardSizes[shard] += length;
  }

  const shards: ManifestShard[] = [];
  for (let index = 0; index < shardSizes.length; index++) {
    const bytes = new Uint8Array(shardSizes[index]);
    for (const { stored, entry } of planned) {
      if (entry.shard !== index) continue;
      const raw = await source.read(stored.dataOffsets[0], stored.dataOffsets[1]);
      const values = decodeTensorBytes(stored, raw, source.header.source);
      requireFinite(values, source.header.source, stored.name);
      const overflowed = encodeInto(values, dtype, bytes, entry.offset);
      if (overflowed > 0) {
        throw new CheckpointError(source.header.source, `${overflowed} finite values exceed the F16 range (±65504); convert with --dtype f32`, stored.name);
      }
    }
    const file = shardFileName(index);
    const sha256 = await sha256Hex(bytes);
    await writeShard({ index, file, bytes, sha256 });
    shards.push({ file, bytes: bytes.byteLength, sha256 });
  }

  return {
    format: MANIFEST_FORMAT,
    version: MANIFEST_VERSION,
    architecture: 'gpt2',
    config: source.configJson,
    dtype,
    source: source.description,
    tensors: planned.map((p) => p.entry),
    shards,
    totalBytes: shardSizes.reduce((a, b) => a + b, 0),
    converter: CONVERTER_NAME,
  };
}

/**
 * Writes float32 values as little-endian F32 or F16 (round to nearest even) at `offset`. Returns how
 * many finite values became infinite (F16 overflow), which the converter refuses.
 */
export function encodeInto(values: Float32Array, dtype: ShardDtype, out: Uint8Array, offset: number): number {
  if (dtype === 'F32') {
    if (hostIsLittleEndian) {
      out.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), offset);
      return 0;
    }
    const view = new DataView(out.buffer, out.byteOffset + offset, values.length * 4);
    for (let i = 0; i < values.length; i++) view.setFloat32(4 * i, values[i], true);
    return 0;
  }
  let overflowed = 0;
  const aligned = hostIsLittleEndian && (out.byteOffset + offset) % 2 === 0;
  const words = aligned ? new Uint16Array(out.buffer, out.byteOffset + offset, values.length) : null;
  const view = aligned ? null : new DataView(out.buffer, out.byteOffset + offset, values.length * 2);
  for (let i = 0; i < values.length; i++) {
    const bits = float32ToFloat16Bits(values[i]);
    if ((bits & 0x7fff) === 0x7c00 && Number.isFinite(values[i])) overflowed++;
    if (words !== null) words[i] = bits;
    else view!.setUint16(2 * i, bits, true);
  }
  return overflowed;
}
