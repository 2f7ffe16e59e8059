/** Node-only: reads a checkpoint directory (config.json + model.safetensors) from disk. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckpointError } from './checkpoint-error';
import { loadGpt2Checkpoint, type Gpt2Checkpoint } from './gpt2-checkpoint';

export async function loadGpt2CheckpointDir(dir: string): Promise<Gpt2Checkpoint> {
  const configPath = join(dir, 'config.json');
  const weightsPath = join(dir, 'model.safetensors');
  const configText = new TextDecoder().decode(await readCheckpointFile(configPath));
  let configJson: unknown;
  try {
    configJson = JSON.parse(configText);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CheckpointError(configPath, `not valid JSON (${reason})`);
  }
  return loadGpt2Checkpoint(configJson, await readCheckpointFile(weightsPath), weightsPath, configPath);
}

async function readCheckpointFile(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'file not found' : `cannot read (${code ?? String(error)})`;
    throw new CheckpointError(path, reason);
  }
}
