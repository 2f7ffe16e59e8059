/** Test-only helpers (Node): locating the tiny golden checkpoint and hand-building safetensors bytes. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The golden checkpoint, one of the project's own test fixtures (fixtures/README.md). */
export const TINY_GPT2_DIR = join(repoRoot, 'fixtures/tiny-gpt2');

export const TINY_WEIGHTS_PATH = join(TINY_GPT2_DIR, 'model.safetensors');

export function readTinyWeights(): Uint8Array {
  return new Uint8Array(readFileSync(TINY_WEIGHTS_PATH));
}

export function readTinyConfigJson(): unknown {
  return JSON.parse(readFileSync(join(TINY_GPT2_DIR, 'config.json'), 'utf8'));
}

/** Bytes with an arbitrary header (not validated), so tests can describe malformed files. */
export function rawSafetensors(header: unknown, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.byteLength + data.byteLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.byteLength), true);
  out.set(json, 8);
  out.set(data, 8 + json.byteLength);
  return out;
}

/** What a reader independent of ours sees: the header JSON and raw little-endian float32s. */
export function independentHeader(bytes: Uint8Array): { dataStart: number; json: Record<string, { data_offsets: [number, number] }> } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  const json = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  return { dataStart: 8 + headerLength, json };
}

export function independentFloat32(bytes: Uint8Array, tensor: string, index: number): number {
  const { dataStart, json } = independentHeader(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return view.getFloat32(dataStart + json[tensor].data_offsets[0] + 4 * index, true);
}
