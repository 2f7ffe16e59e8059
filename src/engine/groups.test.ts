import { describe, expect, it } from 'vitest';
import { FPT_DEFAULT_GROUPS, groupOf, parseGroups } from './groups';

describe('parameter groups', () => {
  it('assigns every GPT-2 and adapter tensor to the group docs/fpt-spec.md gives it', () => {
    expect(groupOf('in.weight')).toBe('input');
    expect(groupOf('out.bias')).toBe('output');
    expect(groupOf('wpe.weight')).toBe('positions');
    expect(groupOf('h.3.ln_1.weight')).toBe('layernorm');
    expect(groupOf('h.11.ln_2.bias')).toBe('layernorm');
    expect(groupOf('ln_f.weight')).toBe('layernorm');
    expect(groupOf('h.0.attn.c_attn.weight')).toBe('attention');
    expect(groupOf('h.0.attn.c_proj.bias')).toBe('attention');
    expect(groupOf('h.7.mlp.c_fc.weight')).toBe('feedforward');
    expect(groupOf('h.7.mlp.c_proj.weight')).toBe('feedforward');
    // The language model's tied token table (src/engine/lm) is its input adapter; FPT loaders never load it.
    expect(groupOf('wte.weight')).toBe('input');
    expect(() => groupOf('lm_head.weight')).toThrow(/no group/);
  });

  it('parses long names, the golden short names and "all", in canonical order', () => {
    expect(parseGroups('layernorm,input')).toEqual(['input', 'layernorm']);
    expect(parseGroups(['in', 'out', 'pos', 'ln'])).toEqual([...FPT_DEFAULT_GROUPS]);
    expect(parseGroups('all')).toEqual(['input', 'output', 'positions', 'layernorm', 'attention', 'feedforward']);
    expect(() => parseGroups('input,embeddings')).toThrow(/unknown parameter group "embeddings"/);
  });
});
