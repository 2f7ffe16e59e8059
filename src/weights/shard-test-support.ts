/** Test-only helpers (Node) for the converter and loader tests. */
import { readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BackboneTensors } from './gpt2-checkpoint';
import { gpt2TensorShapes, parseGpt2Config } from './gpt2-config';
import { writeSafetensors } from './safetensors';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The committed, converted tiny model. */
export const COMMITTED_TINY_DIR = join(REPO_ROOT, 'models/tiny-gpt2');
/** How the committed tiny model was made (see README). */
export const TINY_CONVERT_OPTIONS = { dtype: 'F32', shardBytes: Math.round(0.1 * 2 ** 20) } as const;

/** Every file of a directory, keyed `${prefix}/${name}`, for an in-memory local server. */
export function directoryFiles(dir: string, prefix: string): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  for (const name of readdirSync(dir)) files.set(`${prefix}/${name}`, new Uint8Array(readFileSync(join(dir, name))));
  return files;
}

/** Names, shapes and every value, bit for bit (NaN-free weights). */
export function tensorDifferences(actual: BackboneTensors, expected: BackboneTensors): string[] {
  const problems: string[] = [];
  if ([...actual.keys()].join() !== [...expected.keys()].join()) problems.push(`names: ${[...actual.keys()]} vs ${[...expected.keys()]}`);
  for (const [name, tensor] of expected) {
    const other = actual.get(name);
    if (other === undefined) continue;
    if (other.shape.join() !== tensor.shape.join()) problems.push(`${name}: shape ${other.shape} vs ${tensor.shape}`);
    const differing = tensor.data.findIndex((value, i) => other.data[i] !== value);
    if (other.data.length !== tensor.data.length || differing >= 0) problems.push(`${name}: values differ at ${differing}`);
  }
  return problems;
}

/**
 * Writes a 1-layer, 4-wide GPT-2 checkpoint (model.safetensors and config.json) into `dir`: every
 * value 0.5 but those of `overflowing`, 70000, beyond the F16 range.
 */
export async function writeF16OverflowCheckpoint(dir: string, overflowing: string): Promise<void> {
  const config = { model_type: 'gpt2', n_layer: 1, n_embd: 4, n_head: 2, n_positions: 2 };
  const tensors = gpt2TensorShapes(parseGpt2Config(config)).map(({ name, shape }) => ({
    name,
    dtype: 'F32' as const,
    shape,
    data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(name === overflowing ? 70000 : 0.5),
  }));
  await writeFile(join(dir, 'model.safetensors'), writeSafetensors(tensors));
  await writeFile(join(dir, 'config.json'), JSON.stringify(config));
}
