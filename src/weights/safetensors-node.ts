/**
 * Node-only: reads a safetensors file through a file handle, in pieces (the 8-byte length, the
 * header, then one tensor at a time), so a checkpoint of any size (gpt2-large is 3.25 GB, beyond
 * Node's 2 GiB readFile limit) is never held whole in memory.
 */
import type { FileHandle } from 'node:fs/promises';
import { CheckpointError } from './checkpoint-error';
import { decodeTensorBytes, parseSafetensorsHeader, safetensorsHeaderSize, type SafetensorsHeader } from './safetensors';

/** Bytes [position, position + length) of the file; fewer at its end. */
export async function readAt(handle: FileHandle, position: number, length: number): Promise<Uint8Array> {
  const buffer = new Uint8Array(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled === length ? buffer : buffer.subarray(0, filled);
}

/** Parses the header of a file of `size` bytes, reading only the header (its claimed length is checked against the file first). */
export async function readSafetensorsHeaderFrom(handle: FileHandle, size: number, source: string): Promise<SafetensorsHeader> {
  const prefix = await readAt(handle, 0, Math.min(size, 8));
  const headerBytes = safetensorsHeaderSize(prefix, source, size);
  return parseSafetensorsHeader(await readAt(handle, 0, headerBytes), source, size);
}

/** One tensor, decoded to float32, read from the file on its own. */
export async function readTensorFrom(handle: FileHandle, header: SafetensorsHeader, name: string): Promise<Float32Array> {
  const info = header.tensors.get(name);
  if (info === undefined) throw new CheckpointError(header.source, 'not in the file', name);
  const [begin, end] = info.dataOffsets;
  return decodeTensorBytes(info, await readAt(handle, header.dataStart + begin, end - begin), header.source);
}
