import { describe, expect, it } from 'vitest';
import { ALL_GROUPS, FPT_DEFAULT_GROUPS, fileTensorName, GROUP_LABELS, GROUPS, groupOf, paramNameOfFileTensor, parseGroups, type GroupName } from './groups';

describe('parameter groups', () => {
  // GPT-2 and adapter tensors as docs/fpt-spec.md groups them; the LSTM baseline's on the same toggles.
  const members: [string, GroupName][] = [
    ['in.weight', 'input'],
    ['out.bias', 'output'],
    ['wpe.weight', 'positions'],
    ['h.3.ln_1.weight', 'layernorm'],
    ['h.11.ln_2.bias', 'layernorm'],
    ['ln_f.weight', 'layernorm'],
    ['h.0.attn.c_attn.weight', 'attention'],
    ['h.0.attn.c_proj.bias', 'attention'],
    ['h.7.mlp.c_fc.weight', 'feedforward'],
    ['h.7.mlp.c_proj.weight', 'feedforward'],
    // The language model's tied token table (src/engine/lm) is its input adapter; FPT loaders never load it.
    ['wte.weight', 'input'],
    ['lstm.0.weight_ih', 'feedforward'],
    ['lstm.2.bias_hh', 'feedforward'],
    ['lstm.1.ln_ih.weight', 'layernorm'],
    ['lstm.1.ln_cell.bias', 'layernorm'],
  ];
  it.each(members)('%s is in %s', (param, group) => expect(groupOf(param)).toBe(group));

  it.each([['lm_head.weight'], ['lstm.0.weight_xx']])('%s is in no group', (param) => expect(() => groupOf(param)).toThrow(/no group/));

  it('parses long names, the golden short names and "all", in canonical order', () => {
    expect(parseGroups('layernorm,input')).toEqual(['input', 'layernorm']);
    expect(parseGroups(['in', 'out', 'pos', 'ln'])).toEqual([...FPT_DEFAULT_GROUPS]);
    expect(parseGroups('all')).toEqual(['input', 'output', 'positions', 'layernorm', 'attention', 'feedforward']);
    expect(() => parseGroups('input,embeddings')).toThrow(/unknown parameter group "embeddings"/);
  });

  it('one record per group: names, short names and labels come from it', () => {
    expect(ALL_GROUPS).toEqual(GROUPS.map((g) => g.name));
    expect(GROUPS.map((g) => g.short)).toEqual(['in', 'out', 'pos', 'ln', 'attn', 'ff']);
    expect(GROUP_LABELS).toEqual({
      input: 'Input layer',
      output: 'Output head',
      positions: 'Positional embeddings',
      layernorm: 'Layer norms',
      attention: 'Attention',
      feedforward: 'Feed-forward',
    });
  });

  it('adapter files spell the adapters with the group name (input.*, output.*) and still read the engine spelling (in.*, out.*)', () => {
    expect(['in.weight', 'in.bias', 'out.weight', 'out.bias', 'wpe.weight', 'h.0.ln_1.weight'].map(fileTensorName)).toEqual([
      'input.weight',
      'input.bias',
      'output.weight',
      'output.bias',
      'wpe.weight',
      'h.0.ln_1.weight',
    ]);
    for (const param of ['in.weight', 'in.bias', 'out.weight', 'out.bias', 'wpe.weight', 'ln_f.bias']) {
      expect(paramNameOfFileTensor(fileTensorName(param))).toBe(param);
      // Version 1 files name them as the engine does: read as themselves.
      expect(paramNameOfFileTensor(param)).toBe(param);
    }
  });
});
