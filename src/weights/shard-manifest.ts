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
import { z } from 'zod';
import { CheckpointError } from './checkpoint-error';
import { decodeTensorBytes, elementCount, requireFinite } from './safetensors';
import type { BackboneTensor, BackboneTensors, Gpt2Checkpoint } from './gpt2-checkpoint';
import { checkLayerCount, gpt2TensorShapes, parseGpt2Config, type Gpt2Config } from './gpt2-config';
import { quote, zodIssues } from './errors';
import { ManifestError } from './load-errors';

export const MANIFEST_FORMAT = 'fpt-gpt2-shards';
export const MANIFEST_VERSION = 1;
export const MANIFEST_FILE = 'manifest.json';
export const WTE_NAME = 'wte.weight';

export type ShardDtype = 'F32' | 'F16';
const STORED_DTYPES: Readonly<Record<ShardDtype, number>> = { F32: 4, F16: 2 };

/**
 * Bounds a manifest must keep, checked before any byte is fetched or allocated (a loader sizes its
 * downloads from `shards[].bytes`, so a claim of 2^53 must be refused here, not met with an
 * allocation). The converter's shards are 16 MiB by default; a single tensor larger than the target
 * gets its own shard, and GPT-2 XL's largest (wte, F32) is 322 MB.
 */
export const MANIFEST_LIMITS = {
  /** Largest shard: 1 GiB (the largest single allocation a loader makes for one). */
  shardBytes: 2 ** 30,
  /** All shards together. */
  totalBytes: 2 ** 36,
  shards: 100_000,
  tensors: 100_000,
  /** Dimensions of one tensor. */
  rank: 8,
} as const;

const byteCount = (max: number) => {
  const error = (issue: { input?: unknown }) => `is ${quote(issue.input)}, expected a whole number of bytes from 0 to ${max}`;
  return z.number({ error }).int({ error }).min(0, { error }).max(max, { error });
};
const SHA256 = z.string().regex(/^[0-9a-f]{64}$/, 'is not 64 lowercase hex digits');
// A bare file name: the Node loader joins it to a directory, the browser resolves it against the manifest URL.
const PLAIN_FILE_NAME = z
  .string()
  .max(255)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'is not a plain file name')
  .refine((file) => !file.includes('..'), 'is not a plain file name');

export const ManifestShardSchema = z.strictObject({
  file: PLAIN_FILE_NAME,
  bytes: byteCount(MANIFEST_LIMITS.shardBytes),
  sha256: SHA256,
});

export const ManifestTensorSchema = z.strictObject({
  name: z.string().min(1).max(256),
  dtype: z.enum(['F32', 'F16']),
  shape: z
    .array(
      z
        .int()
        .min(0)
        .max(2 ** 31),
    )
    .max(MANIFEST_LIMITS.rank),
  /** Index into `shards`. */
  shard: z.int().min(0).max(MANIFEST_LIMITS.shards),
  /** Byte offset inside the shard. */
  offset: byteCount(MANIFEST_LIMITS.shardBytes),
  /** Byte length. */
  length: byteCount(MANIFEST_LIMITS.shardBytes),
});

export const ManifestSourceSchema = z.strictObject({
  /** The source file's base name (never a local path). */
  file: z.string().max(1000),
  /** Present when converted straight from a URL (the Hugging Face hub). */
  url: z.string().max(4000).optional(),
  bytes: z.int().min(0).max(Number.MAX_SAFE_INTEGER),
  sha256: SHA256,
});

/** manifest.json, as the converter writes it and the loaders read it (the same schema for both). */
export const ShardManifestSchema = z.strictObject({
  format: z.literal(MANIFEST_FORMAT),
  version: z.literal(MANIFEST_VERSION),
  architecture: z.literal('gpt2'),
  /** The Hugging Face config.json, verbatim (parsed by Gpt2ConfigJsonSchema). */
  config: z.record(z.string(), z.unknown()),
  dtype: z.enum(['F32', 'F16']),
  source: ManifestSourceSchema,
  tensors: z.array(ManifestTensorSchema).max(MANIFEST_LIMITS.tensors),
  shards: z.array(ManifestShardSchema).min(1).max(MANIFEST_LIMITS.shards),
  totalBytes: byteCount(MANIFEST_LIMITS.totalBytes),
  converter: z.string().max(200),
});

export type ManifestTensor = z.infer<typeof ManifestTensorSchema>;
export type ManifestShard = z.infer<typeof ManifestShardSchema>;
export type ManifestSource = z.infer<typeof ManifestSourceSchema>;
export type ShardManifest = z.infer<typeof ShardManifestSchema>;

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
  // The identifying fields first, with messages that say what to do.
  if (json.format !== MANIFEST_FORMAT) {
    throw new ManifestError(source, `not an FPT shard manifest (format is ${quote(json.format)}, expected "${MANIFEST_FORMAT}")`);
  }
  if (json.version !== MANIFEST_VERSION) {
    throw new ManifestError(
      source,
      `manifest version ${quote(json.version)} is not supported (this build reads version ${MANIFEST_VERSION}); re-run npm run models:convert with this version of the app`,
    );
  }
  if (json.architecture !== 'gpt2') {
    throw new ManifestError(source, `manifest is for architecture ${quote(json.architecture)}, but only GPT-2 ("gpt2") can be loaded`);
  }
  const parsed = ShardManifestSchema.safeParse(json);
  if (!parsed.success) throw new ManifestError(source, `not a valid manifest: ${zodIssues(parsed.error)}`);
  const manifest = parsed.data;
  let config: Gpt2Config;
  try {
    config = parseGpt2Config(manifest.config, `${source} (config)`);
  } catch (error) {
    if (error instanceof CheckpointError) throw new ManifestError(source, error.message.slice(`${source} (config): `.length));
    throw error;
  }
  checkExpectedConfig(config, expected, source);
  checkShards(manifest, source);
  checkTensors(manifest, source);
  try {
    checkLayerCount(
      config,
      manifest.tensors.map((t) => t.name),
      source,
    );
  } catch (error) {
    if (error instanceof CheckpointError) throw new ManifestError(source, error.message.slice(`${source}: `.length));
    throw error;
  }
  const byName = new Map(manifest.tensors.map((t) => [t.name, t]));
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
  return { manifest, config, needed, neededShards };
}

function checkShards(manifest: ShardManifest, source: string): void {
  const files = new Set<string>();
  manifest.shards.forEach(({ file }, i) => {
    if (files.has(file)) throw new ManifestError(source, `shard ${i}: file ${file} is listed twice`);
    files.add(file);
  });
  const total = manifest.shards.reduce((sum, shard) => sum + shard.bytes, 0);
  if (total !== manifest.totalBytes) throw new ManifestError(source, `totalBytes is ${manifest.totalBytes}, but the shards hold ${total} bytes`);
}

/** Names unique; each tensor inside an existing shard, its length that of its shape, no two overlapping. */
function checkTensors(manifest: ShardManifest, source: string): void {
  const names = new Set<string>();
  const byShard = new Map<number, ManifestTensor[]>();
  for (const tensor of manifest.tensors) {
    const { name, dtype, shape, shard, offset, length } = tensor;
    if (names.has(name)) throw new ManifestError(source, 'listed twice', name);
    names.add(name);
    if (shard >= manifest.shards.length) throw new ManifestError(source, `shard ${shard} does not exist (the manifest lists ${manifest.shards.length})`, name);
    const expectedLength = elementCount(shape) * STORED_DTYPES[dtype];
    if (length !== expectedLength) {
      throw new ManifestError(source, `length ${length} does not match shape [${shape.join(', ')}] of ${dtype} (${expectedLength} bytes)`, name);
    }
    const file = manifest.shards[shard];
    if (offset + length > file.bytes) {
      throw new ManifestError(source, `bytes [${offset}, ${offset + length}) run past the end of ${file.file} (${file.bytes} bytes)`, name);
    }
    let inShard = byShard.get(shard);
    if (inShard === undefined) byShard.set(shard, (inShard = []));
    inShard.push(tensor);
  }
  for (const tensors of byShard.values()) {
    const sorted = tensors.filter((t) => t.length > 0).sort((a, b) => a.offset - b.offset);
    for (let i = 1; i < sorted.length; i++) {
      const [before, after] = [sorted[i - 1], sorted[i]];
      if (after.offset < before.offset + before.length) {
        throw new ManifestError(
          source,
          `bytes [${after.offset}, ${after.offset + after.length}) overlap those of "${before.name}" [${before.offset}, ${before.offset + before.length}) in ${manifest.shards[after.shard].file}`,
          after.name,
        );
      }
    }
  }
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
export function decodeTensor(
  tensor: { name: string; dtype: string; shape: readonly number[]; length: number },
  bytes: Uint8Array,
  source: string,
): BackboneTensor {
  const info = { name: tensor.name, dtype: tensor.dtype, shape: [...tensor.shape], dataOffsets: [0, tensor.length] as [number, number] };
  const data = decodeTensorBytes(info, bytes, source);
  requireFinite(data, source, tensor.name);
  return { shape: [...tensor.shape], data };
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

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((size, i) => size === b[i]);
}
