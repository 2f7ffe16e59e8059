/**
 * Node-only: reads a checkpoint directory from disk. Either a converted one (manifest.json + shards,
 * from `npm run models:convert`; every shard is checked against its sha256) or a Hugging Face one
 * (config.json + model.safetensors).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { open, readFile, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckpointError } from './checkpoint-error';
import { locateGpt2Tensors, type BackboneTensors, type Gpt2Checkpoint } from './gpt2-checkpoint';
import { parseGpt2Config, type Gpt2Config } from './gpt2-config';
import { requireFinite } from './safetensors';
import { readSafetensorsHeaderFrom, readTensorFrom } from './safetensors-node';
import { ShardIntegrityError } from './load-errors';
import { SMALL_FILE_LIMIT } from './load-session';
import { assembleCheckpoint, decodeShardTensors, MANIFEST_FILE, parseShardManifest, type ExpectedConfig, type ShardManifest } from './shard-manifest';

export function isManifestDir(dir: string): boolean {
  return existsSync(join(dir, MANIFEST_FILE));
}

export async function loadGpt2CheckpointDir(dir: string): Promise<Gpt2Checkpoint> {
  if (isManifestDir(dir)) return loadGpt2ManifestDir(dir);
  const configPath = join(dir, 'config.json');
  const weightsPath = join(dir, 'model.safetensors');
  const config = parseGpt2Config(parseJsonFile(await readSmallFile(configPath), configPath), configPath);
  return { config, tensors: await readBackboneTensors(weightsPath, config) };
}

/**
 * A Hugging Face model.safetensors of any size (gpt2-large's is 3.25 GB, past Node's 2 GiB readFile
 * limit): the header first, then each backbone tensor on its own; wte and the rest are never read.
 */
async function readBackboneTensors(path: string, config: Gpt2Config): Promise<BackboneTensors> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new CheckpointError(path, describeReadError(error));
  }
  try {
    const header = await readSafetensorsHeaderFrom(handle, (await handle.stat()).size, path);
    const tensors: BackboneTensors = new Map();
    for (const { name, stored } of locateGpt2Tensors(header, config)) {
      const data = await readTensorFrom(handle, header, stored.name);
      requireFinite(data, path, stored.name);
      tensors.set(name, { shape: [...stored.shape], data });
    }
    return tensors;
  } finally {
    await handle.close();
  }
}

/** A converted directory: only the shards holding backbone tensors are read (wte, if kept, is not). */
export async function loadGpt2ManifestDir(dir: string, expected?: ExpectedConfig): Promise<Gpt2Checkpoint & { manifest: ShardManifest }> {
  const manifestPath = join(dir, MANIFEST_FILE);
  const valid = parseShardManifest(parseJsonFile(await readSmallFile(manifestPath), manifestPath), manifestPath, expected);
  const loaded: BackboneTensors = new Map();
  for (const index of valid.neededShards) {
    const shard = valid.manifest.shards[index];
    const path = join(dir, shard.file);
    // The size on disk first, so a wrong (or huge) file is never read.
    const size = await fileSize(path);
    if (size !== shard.bytes) throw new ShardIntegrityError(path, shard.file, `${shard.bytes} bytes`, `${size} bytes`, 'does not match the manifest');
    const bytes = await readCheckpointFile(path);
    if (bytes.byteLength !== shard.bytes) {
      throw new ShardIntegrityError(path, shard.file, `${shard.bytes} bytes`, `${bytes.byteLength} bytes`, 'does not match the manifest');
    }
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (sha256 !== shard.sha256) throw new ShardIntegrityError(path, shard.file, `sha256 ${shard.sha256}`, `sha256 ${sha256}`, 'does not match the manifest');
    decodeShardTensors(valid, index, bytes, path, loaded);
  }
  return { ...assembleCheckpoint(valid.config, loaded, manifestPath), manifest: valid.manifest };
}

function parseJsonFile(bytes: Uint8Array, path: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CheckpointError(path, `not valid JSON (${reason})`);
  }
}

async function readCheckpointFile(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new CheckpointError(path, describeReadError(error));
  }
}

/** A manifest.json or config.json: refused unread when larger than any real one can be. */
async function readSmallFile(path: string): Promise<Uint8Array> {
  const size = await fileSize(path);
  if (size > SMALL_FILE_LIMIT)
    throw new CheckpointError(path, `is ${size} bytes, more than the ${SMALL_FILE_LIMIT} this file can be (not a manifest or config?)`);
  return readCheckpointFile(path);
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    throw new CheckpointError(path, describeReadError(error));
  }
}

function describeReadError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'file not found' : `cannot read (${code ?? String(error)})`;
}
