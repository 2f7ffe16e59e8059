/**
 * The parameter groups users toggle (docs/fpt-spec.md, "Parameter groups"), one record each: its
 * name (in links, settings and files), its short name (golden.json's `trainable_groups`, run names),
 * its label and description (the page), and the tensors it holds. The engine, the worker, the page
 * and adapter files all read these records; nothing else lists the groups.
 */
export type GroupName = 'input' | 'output' | 'positions' | 'layernorm' | 'attention' | 'feedforward';

export interface GroupDefinition {
  name: GroupName;
  /** golden.json's `trainable_groups` and run names ("in+out+pos+ln"). */
  short: string;
  /** The page's name for the part (its checkbox). */
  label: string;
  /** The name inside a sentence ("trains input layer, output head, ..."). */
  phrase: string;
  /** What the group holds, in words. */
  description: string;
  /**
   * The engine names its adapter tensors `<short>.weight`/`.bias` (`in.*`, `out.*`); adapter files
   * spell them with the group's name (`input.*`, `output.*`). True for the two adapter groups.
   */
  adapter?: true;
  /** Whether a parameter (by its name) belongs to the group. */
  matches(paramName: string): boolean;
}

/**
 * GPT-2 names as docs/fpt-spec.md gives them; the LSTM baseline's (src/engine/lstm.ts) map onto the
 * same toggles: its in-cell LayerNorms (`lstm.N.ln_ih|ln_hh|ln_cell.*`) are `layernorm`, and its
 * recurrent cell matrices and biases (`lstm.N.weight_ih|weight_hh|bias_ih|bias_hh`) are the body's
 * weights and sit in `feedforward` (the LSTM has no attention and no positional embeddings, so those
 * two groups are empty for it). "Frozen LSTM" = the FPT default groups; "LSTM trained" = all.
 * A parameter belongs to the first group, in this order, that matches it.
 */
export const GROUPS: readonly GroupDefinition[] = [
  {
    name: 'input',
    short: 'in',
    label: 'Input layer',
    phrase: 'input layer',
    description: 'the adapter that maps each input token into the model (in.*); for the language model, its tied token table wte',
    adapter: true,
    // The language model's token table (src/engine/lm), tied to its output layer: its input adapter.
    matches: (p) => p.startsWith('in.') || p === 'wte.weight',
  },
  {
    name: 'output',
    short: 'out',
    label: 'Output head',
    phrase: 'output head',
    description: 'the adapter that reads the last tokens out as class logits (out.*)',
    adapter: true,
    matches: (p) => p.startsWith('out.'),
  },
  {
    name: 'positions',
    short: 'pos',
    label: 'Positional embeddings',
    phrase: 'positions',
    description: "GPT-2's learned position vectors (wpe)",
    matches: (p) => p === 'wpe.weight',
  },
  {
    name: 'layernorm',
    short: 'ln',
    label: 'Layer norms',
    phrase: 'layer norms',
    description: "every layer norm: ln_1 and ln_2 of each block, ln_f (and the LSTM cells' ln_ih, ln_hh, ln_cell)",
    matches: (p) => p.startsWith('ln_f.') || /\.ln_[12]\./.test(p) || /^lstm\.\d+\.ln_(ih|hh|cell)\./.test(p),
  },
  {
    name: 'attention',
    short: 'attn',
    label: 'Attention',
    phrase: 'attention',
    description: 'self-attention weights of every block (attn.c_attn, attn.c_proj)',
    matches: (p) => p.includes('.attn.'),
  },
  {
    name: 'feedforward',
    short: 'ff',
    label: 'Feed-forward',
    phrase: 'feed-forward',
    description: "feed-forward weights of every block (mlp.c_fc, mlp.c_proj); the LSTM's cell matrices and biases",
    matches: (p) => /^lstm\.\d+\.(weight|bias)_(ih|hh)$/.test(p) || p.includes('.mlp.'),
  },
];

export const ALL_GROUPS: readonly GroupName[] = GROUPS.map((g) => g.name);

/** The FPT default: everything but attention and feed-forward trains. */
export const FPT_DEFAULT_GROUPS: readonly GroupName[] = ['input', 'output', 'positions', 'layernorm'];

const BY_NAME = new Map(GROUPS.map((g) => [g.name, g]));

export function groupDefinition(name: GroupName): GroupDefinition {
  return BY_NAME.get(name)!;
}

/** The page's label per group ("Input layer", ...). */
export const GROUP_LABELS = Object.fromEntries(GROUPS.map((g) => [g.name, g.label])) as Record<GroupName, string>;

/** The group of a parameter; throws for a parameter no group holds. */
export function groupOf(paramName: string): GroupName {
  const group = GROUPS.find((g) => g.matches(paramName));
  if (!group) throw new Error(`parameter ${paramName} belongs to no group`);
  return group.name;
}

/** Parses a list such as "input,output,ln" (long or short names) into groups; unknown names are an error. */
export function parseGroups(list: string | readonly string[]): GroupName[] {
  const items =
    typeof list === 'string'
      ? list
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : list;
  const groups = new Set<GroupName>();
  for (const item of items) {
    if (item === 'all') ALL_GROUPS.forEach((g) => groups.add(g));
    else {
      const group = GROUPS.find((g) => g.name === item || g.short === item);
      if (!group) throw new Error(`unknown parameter group "${item}" (known: ${ALL_GROUPS.join(', ')}, all)`);
      groups.add(group.name);
    }
  }
  return ALL_GROUPS.filter((g) => groups.has(g));
}

/**
 * The name a model parameter has in an adapter file: the adapters' `in.*`/`out.*` are spelled with
 * their group's name (`input.*`/`output.*`), so a PyTorch user needs no key; GPT-2's names stay.
 */
export function fileTensorName(param: string): string {
  for (const g of GROUPS) if (g.adapter && param.startsWith(`${g.short}.`)) return `${g.name}.${param.slice(g.short.length + 1)}`;
  return param;
}

/** The model parameter a file tensor holds: `input.*` is `in.*`; the engine's own spelling (version 1 files) maps to itself. */
export function paramNameOfFileTensor(name: string): string {
  for (const g of GROUPS) if (g.adapter && name.startsWith(`${g.name}.`)) return `${g.short}.${name.slice(g.name.length + 1)}`;
  return name;
}
