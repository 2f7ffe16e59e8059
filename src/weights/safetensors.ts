/**
 * The safetensors format: an 8-byte little-endian u64 header length N, N bytes of JSON header
 * `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}`, then the data buffer
 * (offsets are relative to its start). Works on bytes only, so it runs in browsers and Node.
 */
import { CheckpointError } from './checkpoint-error';
import { quote } from './errors';
import { decodeBfloat16Bytes, decodeFloat16Bytes, decodeFloat32Bytes, float32ToFloat16Bits } from './float16';

export { CheckpointError } from './checkpoint-error';

/** Bytes per element of every dtype the format defines; a header may still name others. */
const DTYPE_BYTE_SIZES: Readonly<Record<string, number>> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
};

export const READABLE_DTYPES = ['F32', 'F16', 'BF16'] as const;
export type ReadableDtype = (typeof READABLE_DTYPES)[number];

export interface SafetensorsTensorInfo {
  name: string;
  dtype: string;
  shape: number[];
  /** [begin, end) relative to the start of the data buffer, as written in the header. */
  dataOffsets: [number, number];
}

export interface SafetensorsHeader {
  source: string;
  /** N, the JSON header's byte length. */
  headerLength: number;
  /** Absolute file offset of the data buffer: 8 + N. */
  dataStart: number;
  /** In header order. */
  tensors: Map<string, SafetensorsTensorInfo>;
  metadata: Record<string, string>;
}

const LENGTH_PREFIX_BYTES = 8;
/** The format's own bound on the JSON header (as the reference implementation enforces): a reader never allocates more for it. */
export const MAX_HEADER_BYTES = 100_000_000;

/** A plain Uint8Array view (no copy), so subclasses such as Node's Buffer cannot change slice semantics. */
function asUint8Array(bytes: Uint8Array | ArrayBuffer): Uint8Array {
  return bytes instanceof Uint8Array ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : new Uint8Array(bytes);
}

/**
 * Reads N from the first 8 bytes; returns how many bytes the header occupies (8 + N), which is what
 * a ranged reader needs to fetch before calling parseSafetensorsHeader.
 */
export function safetensorsHeaderSize(prefix: Uint8Array | ArrayBuffer, source: string, fileSize?: number): number {
  const bytes = asUint8Array(prefix);
  if (bytes.byteLength < LENGTH_PREFIX_BYTES) {
    throw new CheckpointError(source, `file is ${bytes.byteLength} bytes, shorter than the 8-byte header length`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, LENGTH_PREFIX_BYTES);
  const headerLength = view.getBigUint64(0, true);
  if (fileSize !== undefined && headerLength + BigInt(LENGTH_PREFIX_BYTES) > BigInt(fileSize)) {
    throw new CheckpointError(source, `header length ${headerLength} exceeds file size ${fileSize} (truncated or not a safetensors file?)`);
  }
  if (headerLength > BigInt(MAX_HEADER_BYTES)) {
    throw new CheckpointError(
      source,
      `header length ${headerLength} is more than the ${MAX_HEADER_BYTES} bytes a safetensors header may have (not a safetensors file?)`,
    );
  }
  return LENGTH_PREFIX_BYTES + Number(headerLength);
}

/**
 * Parses the header from `bytes`, which may be the whole file or only its first 8 + N bytes. When
 * `fileSize` is known (always, for a whole file) tensors are also checked to lie inside the file.
 */
export function parseSafetensorsHeader(bytes: Uint8Array | ArrayBuffer, source: string, fileSize?: number): SafetensorsHeader {
  const data = asUint8Array(bytes);
  const dataStart = safetensorsHeaderSize(data, source, fileSize);
  const headerLength = dataStart - LENGTH_PREFIX_BYTES;
  if (dataStart > data.byteLength) {
    throw new CheckpointError(source, `header length ${headerLength} exceeds the ${data.byteLength} bytes given (need ${dataStart})`);
  }
  const json = decodeHeaderJson(data.subarray(LENGTH_PREFIX_BYTES, dataStart), source);
  const tensors = new Map<string, SafetensorsTensorInfo>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(json)) {
    if (name === '__metadata__') {
      metadata = parseMetadata(entry, source);
      continue;
    }
    const info = parseTensorEntry(name, entry, source);
    if (fileSize !== undefined) checkInsideFile(info, dataStart, fileSize, source);
    tensors.set(name, info);
  }
  checkNoOverlaps(tensors, source);
  return { source, headerLength, dataStart, tensors, metadata };
}

function decodeHeaderJson(headerBytes: Uint8Array, source: string): Record<string, unknown> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
  } catch {
    throw new CheckpointError(source, 'header is not valid UTF-8 (not a safetensors file?)');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CheckpointError(source, `header is not valid JSON (${reason})`);
  }
  if (!isPlainObject(json)) throw new CheckpointError(source, 'header JSON is not an object');
  // JSON.parse keeps the last of two equal keys; a header naming a tensor twice is refused instead.
  const duplicate = firstDuplicateTopLevelKey(text);
  if (duplicate !== undefined) throw new CheckpointError(source, 'is named twice in the header', duplicate);
  return json;
}

/**
 * The first key that occurs twice at the top level of `text`, which must be valid JSON for an
 * object (JSON.parse accepted it). Skips nested values and string contents.
 */
function firstDuplicateTopLevelKey(text: string): string | undefined {
  const seen = new Set<string>();
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let end = i + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      if (depth === 1 && expectKey) {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        if (seen.has(key)) return key;
        seen.add(key);
        expectKey = false;
      }
      i = end;
    } else if (c === '{' || c === '[') {
      depth++;
      expectKey = depth === 1;
    } else if (c === '}' || c === ']') {
      depth--;
    } else if (c === ',' && depth === 1) {
      expectKey = true;
    }
  }
  return undefined;
}

/** Two tensors may not share bytes (zero-length ones take none). */
function checkNoOverlaps(tensors: Map<string, SafetensorsTensorInfo>, source: string): void {
  const sorted = [...tensors.values()].filter((t) => t.dataOffsets[1] > t.dataOffsets[0]).sort((a, b) => a.dataOffsets[0] - b.dataOffsets[0]);
  for (let i = 1; i < sorted.length; i++) {
    const [before, after] = [sorted[i - 1], sorted[i]];
    if (after.dataOffsets[0] < before.dataOffsets[1]) {
      throw new CheckpointError(
        source,
        `data_offsets [${after.dataOffsets.join(', ')}] overlap those of "${before.name}" [${before.dataOffsets.join(', ')}]`,
        after.name,
      );
    }
  }
}

/**
 * Pretrained weights must be finite: a NaN or infinity would only show up later as a NaN loss. Throws
 * naming the tensor, how many such values it holds and where the first one is.
 */
export function requireFinite(data: Float32Array, source: string, name: string): void {
  let bad = 0;
  let first = -1;
  for (let i = 0; i < data.length; i++) {
    const value = data[i];
    if (value - value !== 0) {
      bad++;
      if (first < 0) first = i;
    }
  }
  if (bad > 0) {
    const kind = Number.isNaN(data[first]) ? 'NaN' : String(data[first]);
    throw new CheckpointError(
      source,
      `holds ${bad} NaN or infinite value${bad === 1 ? '' : 's'} (the first, ${kind}, at index ${first}): the checkpoint is damaged`,
      name,
    );
  }
}

function parseMetadata(entry: unknown, source: string): Record<string, string> {
  if (!isPlainObject(entry) || Object.values(entry).some((value) => typeof value !== 'string')) {
    throw new CheckpointError(source, '"__metadata__" must map strings to strings');
  }
  return entry as Record<string, string>;
}

function parseTensorEntry(name: string, entry: unknown, source: string): SafetensorsTensorInfo {
  if (!isPlainObject(entry)) throw new CheckpointError(source, 'header entry is not an object', name);
  const { dtype, shape, data_offsets: offsets } = entry;
  if (typeof dtype !== 'string') throw new CheckpointError(source, 'dtype is missing or not a string', name);
  if (!Array.isArray(shape) || !shape.every(isNonNegativeInteger)) {
    throw new CheckpointError(source, `shape ${quote(shape)} is not a list of non-negative integers`, name);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegativeInteger) || offsets[0] > offsets[1]) {
    throw new CheckpointError(source, `data_offsets ${quote(offsets)} is not a [begin, end] pair with begin <= end`, name);
  }
  const info: SafetensorsTensorInfo = { name, dtype, shape: [...shape], dataOffsets: [offsets[0], offsets[1]] };
  const elementBytes = DTYPE_BYTE_SIZES[dtype];
  // An unknown dtype is only an error once someone tries to read the tensor.
  if (elementBytes !== undefined) {
    const expectedBytes = elementCount(info.shape) * elementBytes;
    const actualBytes = offsets[1] - offsets[0];
    if (actualBytes !== expectedBytes) {
      throw new CheckpointError(
        source,
        `data_offsets [${offsets[0]}, ${offsets[1]}] span ${actualBytes} bytes but shape [${info.shape.join(', ')}] of ${dtype} needs ${expectedBytes}`,
        name,
      );
    }
  }
  return info;
}

function checkInsideFile(info: SafetensorsTensorInfo, dataStart: number, fileSize: number, source: string): void {
  const [begin, end] = info.dataOffsets;
  if (dataStart + end > fileSize) {
    throw new CheckpointError(
      source,
      `data_offsets [${begin}, ${end}] run past the end of the file (data buffer holds ${fileSize - dataStart} bytes; file truncated?)`,
      info.name,
    );
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((count, size) => count * size, 1);
}

/** Decodes one tensor's own bytes (exactly its data_offsets range) into float32. */
export function decodeTensorBytes(info: SafetensorsTensorInfo, bytes: Uint8Array, source: string): Float32Array {
  const expectedBytes = info.dataOffsets[1] - info.dataOffsets[0];
  if (bytes.byteLength !== expectedBytes) {
    throw new CheckpointError(source, `got ${bytes.byteLength} bytes of data, expected ${expectedBytes}`, info.name);
  }
  switch (info.dtype) {
    case 'F32':
      return decodeFloat32Bytes(bytes);
    case 'F16':
      return decodeFloat16Bytes(bytes);
    case 'BF16':
      return decodeBfloat16Bytes(bytes);
    default: {
      const kind = info.dtype in DTYPE_BYTE_SIZES ? 'unsupported' : 'unknown';
      throw new CheckpointError(source, `${kind} dtype ${quote(info.dtype)} (can read ${READABLE_DTYPES.join(', ')})`, info.name);
    }
  }
}

/** A whole safetensors file in memory: the header is parsed up front, tensors decode on demand. */
export class SafetensorsFile {
  readonly header: SafetensorsHeader;
  private readonly bytes: Uint8Array;

  constructor(bytes: Uint8Array | ArrayBuffer, source: string) {
    this.bytes = asUint8Array(bytes);
    this.header = parseSafetensorsHeader(this.bytes, source, this.bytes.byteLength);
  }

  get source(): string {
    return this.header.source;
  }

  names(): string[] {
    return [...this.header.tensors.keys()];
  }

  info(name: string): SafetensorsTensorInfo {
    const info = this.header.tensors.get(name);
    if (info === undefined) throw new CheckpointError(this.source, 'not in the file', name);
    return info;
  }

  read(name: string): Float32Array {
    const info = this.info(name);
    const start = this.header.dataStart;
    return decodeTensorBytes(info, this.bytes.subarray(start + info.dataOffsets[0], start + info.dataOffsets[1]), this.source);
  }
}

export function openSafetensors(bytes: Uint8Array | ArrayBuffer, source: string): SafetensorsFile {
  return new SafetensorsFile(bytes, source);
}

export interface TensorToWrite {
  name: string;
  dtype: 'F32' | 'F16';
  shape: readonly number[];
  data: Float32Array | readonly number[];
}

const WRITE_SOURCE = 'writeSafetensors';

/**
 * Serialises tensors in the given order with contiguous offsets; the header is padded with spaces
 * so the data buffer starts 8-byte aligned.
 */
export function writeSafetensors(tensors: readonly TensorToWrite[], metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) header.__metadata__ = metadata;
  let offset = 0;
  for (const tensor of tensors) {
    if (tensor.name === '__metadata__' || Object.hasOwn(header, tensor.name)) {
      throw new CheckpointError(WRITE_SOURCE, 'name is reserved or used twice', tensor.name);
    }
    const count = elementCount(tensor.shape);
    if (tensor.data.length !== count) {
      throw new CheckpointError(WRITE_SOURCE, `has ${tensor.data.length} values but shape [${tensor.shape.join(', ')}] holds ${count}`, tensor.name);
    }
    const byteLength = count * DTYPE_BYTE_SIZES[tensor.dtype];
    header[tensor.name] = { dtype: tensor.dtype, shape: [...tensor.shape], data_offsets: [offset, offset + byteLength] };
    offset += byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil(json.byteLength / 8) * 8;
  const dataStart = LENGTH_PREFIX_BYTES + headerLength;
  const out = new Uint8Array(dataStart + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerLength), true);
  out.set(json, LENGTH_PREFIX_BYTES);
  out.fill(0x20, LENGTH_PREFIX_BYTES + json.byteLength, dataStart);
  let position = dataStart;
  for (const tensor of tensors) {
    for (let i = 0; i < tensor.data.length; i++) {
      if (tensor.dtype === 'F32') {
        view.setFloat32(position, tensor.data[i], true);
        position += 4;
      } else {
        view.setUint16(position, float32ToFloat16Bits(tensor.data[i]), true);
        position += 2;
      }
    }
  }
  return out;
}
