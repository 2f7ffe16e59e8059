/** Shared by the engine's tests: the golden file, the committed tiny checkpoint, backend start-up. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadGpt2CheckpointDir } from '../weights/checkpoint-node';
import { startBackend, type BackendName } from './backend';
import type { GoldenFile } from './parity';
import { tf } from './tf';

const root = resolve(import.meta.dirname, '../..');
export const TINY_MODEL_DIR = resolve(root, 'models/tiny-gpt2');

/** The project's own PyTorch float64 reference values (fixtures/README.md). */
export const GOLDEN_PATH = resolve(root, 'fixtures/tiny-gpt2/golden.json');

export function loadGolden(): GoldenFile {
  return JSON.parse(readFileSync(GOLDEN_PATH, 'utf8')) as GoldenFile;
}

export const loadTinyCheckpoint = () => loadGpt2CheckpointDir(TINY_MODEL_DIR);

export async function useBackend(name: BackendName): Promise<string> {
  if (name === 'webgpu') (await import('./node-webgpu')).installNodeWebGpu();
  tf.enableProdMode();
  const info = await startBackend([name], true);
  return info.adapter ?? info.name;
}
