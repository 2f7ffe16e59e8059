import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointError } from './checkpoint-error';
import { loadGpt2CheckpointDir } from './checkpoint-node';
import { TINY_GPT2_DIR } from './test-fixtures';

describe('loadGpt2CheckpointDir', () => {
  let scratch = '';
  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'fpt-weights-'));
  });
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it('loads the tiny checkpoint directory', async () => {
    const { config, tensors } = await loadGpt2CheckpointDir(TINY_GPT2_DIR);
    expect(config.nLayer).toBe(2);
    expect(config.nEmbd).toBe(64);
    expect(tensors.size).toBe(27);
    expect(tensors.get('wpe.weight')?.data[0]).toBe(0.032237786799669266);
  });

  it('names the missing file', async () => {
    const missingConfig = loadGpt2CheckpointDir(scratch);
    await expect(missingConfig).rejects.toBeInstanceOf(CheckpointError);
    await expect(missingConfig).rejects.toThrow(`${join(scratch, 'config.json')}: file not found`);

    await writeFile(join(scratch, 'config.json'), JSON.stringify({ model_type: 'gpt2', n_layer: 1, n_embd: 8, n_head: 2, n_positions: 4 }));
    await expect(loadGpt2CheckpointDir(scratch)).rejects.toThrow(`${join(scratch, 'model.safetensors')}: file not found`);
  });

  it('names a config.json that is not JSON', async () => {
    const dir = await mkdtemp(join(scratch, 'bad-'));
    await writeFile(join(dir, 'config.json'), '{ n_layer: 2');
    await expect(loadGpt2CheckpointDir(dir)).rejects.toThrow(`${join(dir, 'config.json')}: not valid JSON`);
  });
});
