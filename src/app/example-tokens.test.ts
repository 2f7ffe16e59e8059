import { describe, expect, it } from 'vitest';
import { bitXorTokens } from './example-tokens';

describe('bitXorTokens', () => {
  it("splits Bit XOR's example into the tokens the model reads", () => {
    expect(bitXorTokens('101 XOR 110 = 011')).toEqual([
      { label: 'a1', value: '1' },
      { label: 'a2', value: '0' },
      { label: 'a3', value: '1' },
      { label: 'b1', value: '1' },
      { label: 'b2', value: '1' },
      { label: 'b3', value: '0' },
    ]);
  });
  it('gives null for other tasks', () => {
    expect(bitXorTokens('[MAX 4 3 [MIN 2 3 ] 1 0 ]')).toBeNull();
    expect(bitXorTokens('')).toBeNull();
  });
});
