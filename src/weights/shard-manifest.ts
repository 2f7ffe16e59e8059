/**
 * The sharded checkpoint format `npm run models:convert` writes and the loaders read:
 * `manifest.json` beside raw shard files. A shard is a plain byte blob holding whole tensors back to
 * back (little-endian, one dtype per manifest); the manifest says where each tensor lies. Framework-
 * free: validation and decoding run in the browser and in Node alike.
 *
 * Version 1:
 * ```json
 * { "format": "fpt-gpt2-shards", "version": 1, "architecture": "gpt2",
 *   "config": { ...Hugging Face config.json... }, "dtype": "F16",
 *   "source": { "file": "model.safetensors", "url": "https://…", "bytes": 548105171, "sha256": "…" },
 *   "tensors": [ { "name": "wpe.weight", "dtype": "F16", "shape": [1024, 768], "shard": 0, "offset": 0, "length": 1572864 }, … ],
 *   "shards": [ { "file": "shard-000.bin", "bytes": 16777216, "sha256": "…" }, … ],
 *   "totalBytes": 170…, "converter": "fpt models:convert" }
 * ```
 * Tensor names are canonical (no `transformer.` prefix). `wte.weight` is present only when the
 * converter was asked to keep it; the loaders never need it.
 */
import { CheckpointError } from './checkpoint-error';
import { decodeTensorBytes, elementCount } from './safetensors';
import type { BackboneTensor, BackboneTensors, Gpt2Checkpoint } from './gpt2-checkpoint';
import { gpt2TensorShapes, parseGpt2Config, type Gpt2Config } from './gpt2-config';
import { ManifestError } from './load-errors';
import { isSha256Hex } from './sha256';

export const MANIFEST_FORMAT = 'fpt-gpt2-shards';
export const MANIFEST_VERSION = 1;
export const MANIFEST_FILE = 'manifest.json';
export const WTE_NAME = 'wte.weight';

export type ShardDtype = 'F32' | 'F16';
const STORED_DTYPES: Readonly<Record<string, number>> = { F32: 4, F16: 2, BF16: 2 };

export interface ManifestTensor {
  name: string;
  dtype: ShardDtype;
  shape: number[];
  /** Index into `shards`. */
  shard: number;
  /** Byte offset inside the shard. */
  offset: number;
  /** Byte length. */
  length: number;
}

export interface ManifestShard {
  /** A plain file name, resolved relative to the manifest. */
  file: string;
  bytes: number;
  sha256: string;
}

export interface ManifestSource {
  /** The source file's base name (never a local path). */
  file: string;
  /** Present when converted straight from a URL (the Hugging Face hub). */
  url?: string;
  bytes: number;
  sha256: string;
}

export interface ShardManifest {
  format: typeof MANIFEST_FORMAT;
  version: typeof MANIFEST_VERSION;
  architecture: 'gpt2';
  /** The Hugging Face config.json, verbatim. */
  config: Record<string, unknown>;
  dtype: ShardDtype;
  source: ManifestSource;
  tensors: ManifestTensor[];
  shards: ManifestShard[];
  totalBytes: number;
  converter: string;
}

/** A manifest that passed validation, with its parsed engine config. */
export interface ValidManifest {
  manifest: ShardManifest;
  config: Gpt2Config;
  /** The backbone tensors the engine needs, in gpt2TensorShapes order. */
  needed: ManifestTensor[];
  /** Indices of the shards holding at least one needed tensor (a shard holding only wte is skipped). */
  neededShards: number[];
}

/** Size fields a caller may insist on, e.g. the preset the user picked. */
export type ExpectedConfig = Partial<Pick<Gpt2Config, 'nLayer' | 'nEmbd' | 'nHead' | 'nPositions'>>;

const CONFIG_KEYS: Record<keyof ExpectedConfig, string> = { nLayer: 'n_layer', nEmbd: 'n_embd', nHead: 'n_head', nPositions: 'n_positions' };

/** Checks `config` against what the caller asked for; throws naming every mismatch. */
export function checkExpectedConfig(config: Gpt2Config, expected: ExpectedConfig | undefined, source: string): void {
  if (expected === undefined) return;
  const mismatches = (Object.keys(CONFIG_KEYS) as (keyof ExpectedConfig)[])
    .filter((key) => expected[key] !== undefined && expected[key] !== config[key])
    .map((key) => `${CONFIG_KEYS[key]} is ${config[key]}, expected ${expected[key]}`);
  if (mismatches.length > 0) {
    throw new ManifestError(source, `weights are for a different GPT-2 than requested (${mismatches.join('; ')})`);
  }
}

/** Validates a parsed manifest.json; throws ManifestError naming the manifest (and tensor) at fault. */
export function parseShardManifest(json: unknown, source: string, expected?: ExpectedConfig): ValidManifest {
  if (!isObject(json)) throw new ManifestError(source, 'manifest is not a JSON object');
  if (json.format !== MANIFEST_FORMAT) {
    throw new ManifestError(source, `not an FPT shard manifest (format is ${JSON.stringify(json.format)}, expected "${MANIFEST_FORMAT}")`);
  }
  if (json.version !== MANIFEST_VERSION) {
    throw new ManifestError(
      source,
      `manifest version ${JSON.stringify(json.version)} is not supported (this build reads version ${MANIFEST_VERSION}); re-run npm run models:convert with this version of the app`,
    );
  }
  if (json.architecture !== 'gpt2') {
    throw new ManifestError(source, `manifest is for architecture ${JSON.stringify(json.architecture)}, but only GPT-2 ("gpt2") can be loaded`);
  }
  if (!isObject(json.config)) throw new ManifestError(source, '"config" is missing or not an object');
  let config: Gpt2Config;
  try {
    config = parseGpt2Config(json.config, `${source} (config)`);
  } catch (error) {
    if (error instanceof CheckpointError) throw new ManifestError(source, error.message.slice(`${source} (config): `.length));
    throw error;
  }
  checkExpectedConfig(config, expected, source);
  if (json.dtype !== 'F32' && json.dtype !== 'F16') throw new ManifestError(source, `dtype ${JSON.stringify(json.dtype)} is not F32 or F16`);
  const shards = parseShards(json.shards, source);
  const tensors = parseTensors(json.tensors, shards, source);
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const needed: ManifestTensor[] = [];
  for (const spec of gpt2TensorShapes(config)) {
    const tensor = byName.get(spec.name);
    if (tensor === undefined) throw new ManifestError(source, `missing from the manifest (expected shape [${spec.shape.join(', ')}])`, spec.name);
    if (!sameShape(tensor.shape, spec.shape)) {
      throw new ManifestError(source, `wrong shape: expected [${spec.shape.join(', ')}], got [${tensor.shape.join(', ')}]`, spec.name);
    }
    needed.push(tensor);
  }
  const neededShards = [...new Set(needed.map((t) => t.shard))].sort((a, b) => a - b);
  const origin = json.source;
  if (!isObject(origin) || typeof origin.file !== 'string' || !isSha256Hex(origin.sha256) || !isNonNegativeInteger(origin.bytes)) {
    throw new ManifestError(source, '"source" must record the file, its bytes and its sha256');
  }
  const manifest: ShardManifest = {
    format: MANIFEST_FORMAT,
    version: MANIFEST_VERSION,
    architecture: 'gpt2',
    config: json.config,
    dtype: json.dtype,
    source: { file: origin.file, url: typeof origin.url === 'string' ? origin.url : undefined, bytes: origin.bytes, sha256: origin.sha256 },
    tensors,
    shards,
    totalBytes: shards.reduce((sum, s) => sum + s.bytes, 0),
    converter: typeof json.converter === 'string' ? json.converter : 'unknown',
  };
  return { manifest, config, needed, neededShards };
}

function parseShards(value: unknown, source: string): ManifestShard[] {
  if (!Array.isArray(value) || value.length === 0) throw new ManifestError(source, '"shards" must be a non-empty list');
  const files = new Set<string>();
  return value.map((entry, i) => {
    if (!isObject(entry)) throw new ManifestError(source, `shard ${i} is not an object`);
    const { file, bytes, sha256 } = entry;
    // A bare file name: the Node loader joins it to a directory, the browser resolves it against the manifest URL.
    if (typeof file !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(file) || file.includes('..')) {
      throw new ManifestError(source, `shard ${i}: file ${JSON.stringify(file)} is not a plain file name`);
    }
    if (files.has(file)) throw new ManifestError(source, `shard ${i}: file ${file} is listed twice`);
    files.add(file);
    if (!isNonNegativeInteger(bytes)) throw new ManifestError(source, `shard ${file}: bytes ${JSON.stringify(bytes)} is not a byte count`);
    if (!isSha256Hex(sha256)) throw new ManifestError(source, `shard ${file}: sha256 ${JSON.stringify(sha256)} is not 64 lowercase hex digits`);
    return { file, bytes, sha256 };
  });
}

function parseTensors(value: unknown, shards: ManifestShard[], source: string): ManifestTensor[] {
  if (!Array.isArray(value)) throw new ManifestError(source, '"tensors" must be a list');
  const names = new Set<string>();
  return value.map((entry, i) => {
    if (!isObject(entry) || typeof entry.name !== 'string') throw new ManifestError(source, `tensor ${i} is not an object with a name`);
    const { name, dtype, shape, shard, offset, length } = entry;
    if (names.has(name)) throw new ManifestError(source, 'listed twice', name);
    names.add(name);
    if (typeof dtype !== 'string' || !(dtype in STORED_DTYPES) || dtype === 'BF16') {
      throw new ManifestError(source, `dtype ${JSON.stringify(dtype)} is not F32 or F16`, name);
    }
    if (!Array.isArray(shape) || !shape.every(isNonNegativeInteger)) {
      throw new ManifestError(source, `shape ${JSON.stringify(shape)} is not a list of non-negative integers`, name);
    }
    if (!isNonNegativeInteger(shard) || shard >= shards.length) throw new ManifestError(source, `shard ${JSON.stringify(shard)} does not exist`, name);
    if (!isNonNegativeInteger(offset) || !isNonNegativeInteger(length)) throw new ManifestError(source, 'offset and length must be byte counts', name);
    const expectedLength = elementCount(shape) * STORED_DTYPES[dtype];
    if (length !== expectedLength) {
      throw new ManifestError(source, `length ${length} does not match shape [${shape.join(', ')}] of ${dtype} (${expectedLength} bytes)`, name);
    }
    if (offset + length > shards[shard].bytes) {
      throw new ManifestError(source, `bytes [${offset}, ${offset + length}) run past the end of ${shards[shard].file} (${shards[shard].bytes} bytes)`, name);
    }
    return { name, dtype: dtype as ShardDtype, shape: [...shape], shard, offset, length };
  });
}

/**
 * Decodes the needed tensors that live in one (already verified) shard into float32 and adds them to
 * `into`. The shard bytes are not retained: drop them after this returns.
 */
export function decodeShardTensors(valid: ValidManifest, shardIndex: number, bytes: Uint8Array, source: string, into: BackboneTensors): void {
  for (const tensor of valid.needed) {
    if (tensor.shard !== shardIndex) continue;
    into.set(tensor.name, decodeTensor(tensor, bytes.subarray(tensor.offset, tensor.offset + tensor.length), source));
  }
}

/** One tensor's own bytes to float32 (F16 and BF16 are widened here, once). */
export function decodeTensor(tensor: { name: string; dtype: string; shape: readonly number[]; length: number }, bytes: Uint8Array, source: string): BackboneTensor {
  const info = { name: tensor.name, dtype: tensor.dtype, shape: [...tensor.shape], dataOffsets: [0, tensor.length] as [number, number] };
  return { shape: [...tensor.shape], data: decodeTensorBytes(info, bytes, source) };
}

/** The loaded tensors in the canonical order, after checking none is missing. */
export function assembleCheckpoint(config: Gpt2Config, loaded: BackboneTensors, source: string): Gpt2Checkpoint {
  const tensors: BackboneTensors = new Map();
  for (const { name } of gpt2TensorShapes(config)) {
    const tensor = loaded.get(name);
    if (tensor === undefined) throw new CheckpointError(source, 'was never loaded', name);
    tensors.set(name, tensor);
  }
  return { config, tensors };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((size, i) => size === b[i]);
}
