import { describe, expect, it } from 'vitest';
import { dropoutFactors, dropoutKeep, dropoutThreshold, pcgHash } from './dropout-mask';

describe('counter-based dropout mask', () => {
  it('hashes u32 exactly as the reference PCG permutation', () => {
    // Hand-computed with Python (u32 arithmetic): state = v*747796405+2891336453 mod 2^32, ...
    expect(pcgHash(0)).toBe(129708002);
    expect(pcgHash(1)).toBe(2831084092);
    expect(pcgHash(0xffffffff)).toBe(pcgHash(-1));
  });

  it('drops close to the requested fraction, differently for different seeds', () => {
    const a = dropoutFactors(7, 100_000, 0.1);
    const b = dropoutFactors(8, 100_000, 0.1);
    const dropped = a.filter((f) => f === 0).length / a.length;
    expect(dropped).toBeGreaterThan(0.095);
    expect(dropped).toBeLessThan(0.105);
    expect(a.filter((f) => f !== 0).every((f) => Math.abs(f - 1 / 0.9) < 1e-6)).toBe(true);
    let differ = 0;
    for (let i = 0; i < a.length; i++) if ((a[i] === 0) !== (b[i] === 0)) differ++;
    expect(differ).toBeGreaterThan(15_000); // independent masks disagree on ~18% of elements
  });

  it('agrees element by element with dropoutKeep and keeps everything at rate 0', () => {
    const f = dropoutFactors(123, 1000, 0.5);
    const t = dropoutThreshold(0.5);
    for (let i = 0; i < 1000; i++) expect(f[i] !== 0).toBe(dropoutKeep(123, i, t));
    expect(dropoutFactors(1, 1000, 0).every((x) => x === 1)).toBe(true);
    expect(() => dropoutThreshold(1)).toThrow(/rate/);
  });
});
