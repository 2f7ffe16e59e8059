import { describe, expect, it } from 'vitest';
import { bfloat16BitsToFloat32, decodeBfloat16Bytes, decodeFloat16Bytes, float16BitsToFloat32, float32ToFloat16Bits } from './float16';

describe('float16 -> float32', () => {
  it.each([
    [0x3c00, 1.0],
    [0xc100, -2.5],
    [0x7bff, 65504],
    [0x3555, 0.333251953125],
    [0x2e66, 0.0999755859375],
    [0x0001, 2 ** -24], // smallest subnormal, 5.96e-8
    [0x03ff, 1023 * 2 ** -24], // largest subnormal
    [0x0400, 2 ** -14], // smallest normal
    [0x0000, 0],
    [0x7c00, Infinity],
    [0xfc00, -Infinity],
  ])('decodes 0x%s', (bits, expected) => {
    expect(float16BitsToFloat32(bits)).toBe(expected);
  });

  it('keeps the sign of zero and decodes NaN', () => {
    expect(Object.is(float16BitsToFloat32(0x8000), -0)).toBe(true);
    expect(float16BitsToFloat32(0x7e00)).toBeNaN();
  });
});

describe('float32 -> float16 (round to nearest even)', () => {
  it.each([
    [1.0, 0x3c00],
    [-2.5, 0xc100],
    [65504, 0x7bff],
    [65519, 0x7bff], // just under the midpoint to the next (infinite) step
    [65520, 0x7c00], // the midpoint rounds to even: Infinity
    [0.1, 0x2e66], // 0.1 is 0.0999755859375 in half precision
    [1 / 3, 0x3555],
    [1 + 2 ** -11, 0x3c00], // tie between 1 and 1+2^-10 goes to the even mantissa
    [1 + 3 * 2 ** -11, 0x3c02],
    [2 ** -24, 0x0001],
    [2 ** -25, 0x0000], // tie between 0 and the smallest subnormal goes to 0
    [1.5 * 2 ** -25, 0x0001],
    [2.5 * 2 ** -24, 0x0002],
    [3.5 * 2 ** -24, 0x0004],
    [1023.5 * 2 ** -24, 0x0400], // rounding up out of the subnormals reaches the smallest normal
    [1e-9, 0x0000],
    [-1e-9, 0x8000],
    [1e6, 0x7c00],
    [-Infinity, 0xfc00],
  ])('encodes %s', (value, bits) => {
    expect(float32ToFloat16Bits(value)).toBe(bits);
  });

  it('round-trips every non-NaN half-precision value', () => {
    const mismatches: number[] = [];
    for (let bits = 0; bits < 65536; bits++) {
      const isNaN = (bits & 0x7c00) === 0x7c00 && (bits & 0x3ff) !== 0;
      if (!isNaN && float32ToFloat16Bits(float16BitsToFloat32(bits)) !== bits) mismatches.push(bits);
    }
    expect(mismatches).toEqual([]);
  });

  it('keeps NaN a NaN', () => {
    expect(float16BitsToFloat32(float32ToFloat16Bits(NaN))).toBeNaN();
  });
});

describe('bfloat16 -> float32', () => {
  it.each([
    [0x3f80, 1.0],
    [0x4049, 3.140625], // 3.14 rounded to bfloat16
    [0x4048, 3.125], // 3.14 truncated to bfloat16
    [0x3eab, 0.333984375],
    [0xc000, -2],
    [0x7f7f, 3.3895313892515355e38], // largest finite
    [0x0001, 2 ** -133], // smallest subnormal
    [0x7f80, Infinity],
    [0xff80, -Infinity],
  ])('decodes 0x%s', (bits, expected) => {
    expect(bfloat16BitsToFloat32(bits)).toBe(expected);
  });
});

describe('decoding little-endian byte arrays', () => {
  it('reads F16 and BF16 words from an unaligned view', () => {
    const backing = new Uint8Array([0xff, 0x00, 0x3c, 0x00, 0xc1, 0xff, 0x7b]);
    const f16 = decodeFloat16Bytes(backing.subarray(1, 7));
    expect(Array.from(f16)).toEqual([1.0, -2.5, 65504]);

    const bf16Backing = new Uint8Array([0xee, 0x80, 0x3f, 0x49, 0x40]);
    expect(Array.from(decodeBfloat16Bytes(bf16Backing.subarray(1)))).toEqual([1.0, 3.140625]);
  });
});
