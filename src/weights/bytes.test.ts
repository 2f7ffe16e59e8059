import { describe, expect, it } from 'vitest';
import { concatBytes } from './bytes';

describe('concatBytes', () => {
  it('joins chunks in order, views into larger buffers included', () => {
    const backing = new Uint8Array([9, 9, 4, 5, 9]);
    const joined = concatBytes([new Uint8Array([1, 2, 3]), new Uint8Array(0), backing.subarray(2, 4)]);
    expect(Array.from(joined)).toEqual([1, 2, 3, 4, 5]);
    expect(joined.buffer.byteLength).toBe(5);
  });

  it('gives an empty array for no chunks', () => {
    expect(concatBytes([]).byteLength).toBe(0);
  });
});
