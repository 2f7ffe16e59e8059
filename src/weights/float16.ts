/**
 * Half-precision conversions. F16 is IEEE 754 binary16; BF16 is the top 16 bits of a float32. Both
 * are decoded from little-endian bytes, the byte order safetensors prescribes.
 */

const scratchFloat = new Float32Array(1);
const scratchBits = new Uint32Array(scratchFloat.buffer);

export const hostIsLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function float16BitsToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1024 + mantissa) * 2 ** (exponent - 25);
}

export function bfloat16BitsToFloat32(bits: number): number {
  scratchBits[0] = (bits & 0xffff) << 16;
  return scratchFloat[0];
}

/** Nearest binary16 (ties to even); overflow gives ±Infinity, NaN stays NaN. */
export function float32ToFloat16Bits(value: number): number {
  scratchFloat[0] = value;
  const x = scratchBits[0];
  const sign = (x >>> 16) & 0x8000;
  const exponent32 = (x >>> 23) & 0xff;
  const mantissa32 = x & 0x7fffff;
  if (exponent32 === 0xff) return sign | 0x7c00 | (mantissa32 === 0 ? 0 : 0x200);
  const exponent = exponent32 - 127 + 15;
  if (exponent >= 0x1f) return sign | 0x7c00;
  if (exponent <= 0) {
    if (exponent < -10) return sign;
    // Subnormal result: shift the full significand (implicit 1 included) into the 10-bit field.
    const significand = mantissa32 | 0x800000;
    const shift = 14 - exponent;
    return sign | roundShiftRightEven(significand, shift);
  }
  // A carry out of the mantissa correctly bumps the exponent (and may reach Infinity).
  return sign | ((exponent << 10) + roundShiftRightEven(mantissa32, 13));
}

function roundShiftRightEven(value: number, shift: number): number {
  const kept = value >>> shift;
  const remainder = value & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  return remainder > half || (remainder === half && (kept & 1) === 1) ? kept + 1 : kept;
}

let float16Table: Float32Array | null = null;

/** All 65536 binary16 values, built once: decoding a large F16 checkpoint becomes a table lookup. */
export function float16LookupTable(): Float32Array {
  if (float16Table === null) {
    float16Table = new Float32Array(65536);
    for (let bits = 0; bits < 65536; bits++) float16Table[bits] = float16BitsToFloat32(bits);
  }
  return float16Table;
}

/** A copy in a fresh, aligned ArrayBuffer. (Node's Buffer.slice() would return a view, not a copy.) */
function alignedCopy(bytes: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy.buffer;
}

interface WordArray<T> {
  new (buffer: ArrayBuffer, byteOffset: number, length: number): T;
  new (length: number): T;
  readonly BYTES_PER_ELEMENT: number;
}

/**
 * The little-endian words of `bytes` (a whole number of them), without assuming alignment: a copy
 * on a little-endian host, else each word read through a DataView with `get`.
 */
function readLittleEndian<T extends Uint16Array | Float32Array>(bytes: Uint8Array, Words: WordArray<T>, get: (view: DataView, byte: number) => number): T {
  const size = Words.BYTES_PER_ELEMENT;
  const count = Math.floor(bytes.byteLength / size);
  if (hostIsLittleEndian) return new Words(alignedCopy(bytes), 0, count);
  const words = new Words(count);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < count; i++) words[i] = get(view, size * i);
  return words;
}

const readUint16LE = (bytes: Uint8Array): Uint16Array => readLittleEndian(bytes, Uint16Array, (view, byte) => view.getUint16(byte, true));

export function decodeFloat16Bytes(bytes: Uint8Array): Float32Array {
  const words = readUint16LE(bytes);
  const table = float16LookupTable();
  const out = new Float32Array(words.length);
  for (let i = 0; i < words.length; i++) out[i] = table[words[i]];
  return out;
}

export function decodeBfloat16Bytes(bytes: Uint8Array): Float32Array {
  const words = readUint16LE(bytes);
  const bits = new Uint32Array(words.length);
  for (let i = 0; i < words.length; i++) bits[i] = words[i] << 16;
  return new Float32Array(bits.buffer);
}

export function decodeFloat32Bytes(bytes: Uint8Array): Float32Array {
  return readLittleEndian(bytes, Float32Array, (view, byte) => view.getFloat32(byte, true));
}
