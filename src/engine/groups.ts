/** The parameter groups users toggle (docs/fpt-spec.md, "Parameter groups"). */
export type GroupName = 'input' | 'output' | 'positions' | 'layernorm' | 'attention' | 'feedforward';

export const ALL_GROUPS: readonly GroupName[] = ['input', 'output', 'positions', 'layernorm', 'attention', 'feedforward'];

/** The FPT default: everything but attention and feed-forward trains. */
export const FPT_DEFAULT_GROUPS: readonly GroupName[] = ['input', 'output', 'positions', 'layernorm'];

/** Short names used by golden.json's `trainable_groups`. */
const SHORT_NAMES: Record<string, GroupName> = {
  in: 'input',
  out: 'output',
  pos: 'positions',
  ln: 'layernorm',
  attn: 'attention',
  ff: 'feedforward',
};

/**
 * The group of a parameter. GPT-2 names as docs/fpt-spec.md gives them; the LSTM baseline's (src/engine/lstm.ts)
 * map onto the same toggles: its in-cell LayerNorms (`lstm.N.ln_ih|ln_hh|ln_cell.*`) are `layernorm`, and its
 * recurrent cell matrices and biases (`lstm.N.weight_ih|weight_hh|bias_ih|bias_hh`) are the body's
 * weights and sit in `feedforward` (the LSTM has no attention and no positional embeddings, so those
 * two groups are empty for it). "Frozen LSTM" = the FPT default groups; "LSTM trained" = all.
 */
export function groupOf(paramName: string): GroupName {
  if (paramName.startsWith('in.')) return 'input';
  // The language model's token table (src/engine/lm), tied to its output layer: its input adapter.
  if (paramName === 'wte.weight') return 'input';
  if (paramName.startsWith('out.')) return 'output';
  if (paramName === 'wpe.weight') return 'positions';
  if (paramName.startsWith('ln_f.') || /\.ln_[12]\./.test(paramName) || /^lstm\.\d+\.ln_(ih|hh|cell)\./.test(paramName)) return 'layernorm';
  if (/^lstm\.\d+\.(weight|bias)_(ih|hh)$/.test(paramName)) return 'feedforward';
  if (paramName.includes('.attn.')) return 'attention';
  if (paramName.includes('.mlp.')) return 'feedforward';
  throw new Error(`parameter ${paramName} belongs to no group`);
}

/** Parses a list such as "input,output,ln" (long or short names) into groups; unknown names are an error. */
export function parseGroups(list: string | readonly string[]): GroupName[] {
  const items = typeof list === 'string' ? list.split(',').map((s) => s.trim()).filter(Boolean) : list;
  const groups = new Set<GroupName>();
  for (const item of items) {
    if (item === 'all') ALL_GROUPS.forEach((g) => groups.add(g));
    else if ((ALL_GROUPS as readonly string[]).includes(item)) groups.add(item as GroupName);
    else if (item in SHORT_NAMES) groups.add(SHORT_NAMES[item]);
    else throw new Error(`unknown parameter group "${item}" (known: ${ALL_GROUPS.join(', ')}, all)`);
  }
  return ALL_GROUPS.filter((g) => groups.has(g));
}
