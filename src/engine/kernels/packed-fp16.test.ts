import { describe, expect, it } from 'vitest';
import { float16BitsToFloat32, float32ToFloat16Bits } from '../../weights/float16';
import type { BackendName } from '../backend';
import { useBackend } from '../test-support';
import { isExactlyFp16, PackedFp16Matrix } from './packed-fp16';

/** Every kind of binary16 value: zeros of both signs, subnormals, normals, the largest, infinities. */
const EXACT = [0, -0, 2 ** -24, -(2 ** -14), 3 * 2 ** -20, 1, -1.5, 0.333251953125, 1000.5, -2048, 65504, -65504, Infinity, -Infinity, 7, 0.099975586];

describe('isExactlyFp16', () => {
  it('accepts values that survive float32 → float16 → float32 and rejects the rest', () => {
    expect(isExactlyFp16(Float32Array.from(EXACT))).toBe(true);
    expect(isExactlyFp16(Float32Array.from([NaN, 1]))).toBe(true);
    for (const v of [0.1, 1 + 2 ** -11, 65520, 2 ** -25, 1e-8]) expect(isExactlyFp16(Float32Array.from([1, v])), `${v}`).toBe(false);
  });
});

describe.each<BackendName>(['cpu', 'webgpu'])('PackedFp16Matrix on %s', (backend) => {
  it('stores 2 bytes per value, rows padded to 4 values, and decodes exactly', async () => {
    await useBackend(backend);
    const rows = 3;
    for (const cols of [8, 5, 1]) {
      const values = Float32Array.from({ length: rows * cols }, (_, i) => EXACT[i % EXACT.length]);
      const m = new PackedFp16Matrix(values, rows, cols);
      expect(m.bytes, `cols=${cols}`).toBe(rows * Math.ceil(cols / 4) * 4 * 2);
      expect(m.packed.dtype).toBe('int32');
      expect(m.packed.shape).toEqual([rows, m.rowStride]);
      const dense = m.toFloat32();
      expect(dense.shape).toEqual([rows, cols]);
      expect(Array.from(await dense.data())).toEqual(Array.from(values));
      expect(m.toFloat32()).toBe(dense); // cached
      // The padding is zero (the matmul kernel relies on it).
      const words = await m.packed.data();
      for (let r = 0; r < rows; r++) {
        for (let c = cols; c < m.rowStride * 2; c++) expect((words[r * m.rowStride + (c >> 1)] >>> (16 * (c & 1))) & 0xffff).toBe(0);
      }
      m.dispose();
      expect(dense.isDisposed).toBe(true);
    }
  });

  it('rounds float32 to the nearest fp16, ties to even, and packs raw fp16 bits the same way', async () => {
    await useBackend(backend);
    const inputs = Float32Array.from([1 + 2 ** -11, 1 + 3 * 2 ** -11, 0.1, -0.1, 65519, 65520, 1e-8, 2 ** -25 * 3]);
    const expected = [1, 1 + 2 ** -9, 0.0999755859375, -0.0999755859375, 65504, Infinity, 0, 2 ** -23];
    const fromFloats = new PackedFp16Matrix(inputs, 2, 4);
    expect(Array.from(await fromFloats.toFloat32().data())).toEqual(expected);
    expect(expected).toEqual(Array.from(inputs, (v) => float16BitsToFloat32(float32ToFloat16Bits(v))));
    const bits = Uint16Array.from(inputs, float32ToFloat16Bits);
    const fromBits = new PackedFp16Matrix(bits, 2, 4);
    expect(Array.from(await fromBits.packed.data())).toEqual(Array.from(await fromFloats.packed.data()));
    fromFloats.dispose();
    fromBits.dispose();
  });
});
