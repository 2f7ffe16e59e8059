/**
 * Declarative command-line options. Each command is one table, `{ flag: option }`, and every option
 * says in one place its kind (a value or a switch), what values it allows, its default and its help.
 * `parseCommand` reads argv with node's `util.parseArgs` (strict: unknown flags, missing values and
 * stray arguments are errors) and validates every value with the option's zod schema; an error names
 * the flag, the allowed values and what was given (`--steps must be an integer in 1..10000000, not "0"`).
 * `commandHelp` prints the same table. A new command is a new table passed to `defineCommand`; a new
 * flag is one entry (see `TRAINING_OPTIONS` in fpt.ts for options shared between commands).
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { FptError } from '../engine/errors';
import { describeRange, rangeSchema, type Range } from '../engine/train/limits';

/** Bad command-line input: the message names the flag and what it allows; `fpt` exits with status 2. */
export class UsageError extends FptError {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface Option<T> {
  /** 'flag' is a switch that takes no value (false when absent). */
  readonly kind: 'value' | 'flag';
  /** The value's name in the help: N, X, DIR, LIST. */
  readonly placeholder: string;
  /** The allowed values in words, for the help and every error: "an integer in 1..1024". */
  readonly allowed: string;
  readonly help: string;
  /** The default as the help shows it (absent: no default). */
  readonly shown?: string;
  /** The value from the raw text (undefined when the flag is absent); throws Invalid when not allowed. */
  readonly parse: (raw: string | undefined) => T;
}

/** Thrown by an option's parse; parseCommand adds the flag's name and the allowed values. */
class Invalid extends Error {}

// Plain decimal or scientific notation only: Number() would also take "", " ", "0x10", "Infinity".
const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function numberFrom(raw: string, range: Range): number {
  const x = NUMBER_TEXT.test(raw.trim()) ? Number(raw) : NaN;
  if (!rangeSchema(range).safeParse(x).success) throw new Invalid();
  return x;
}

/** Fails at start-up (a programming error, not user input) when a table's default is not allowed. */
function checkDefault<T>(option: Option<T>, value: unknown, text: string): Option<T> {
  if (value !== undefined) {
    try {
      option.parse(text);
    } catch {
      throw new Error(`option default ${text} is not ${option.allowed}`);
    }
  }
  return option;
}

interface Common<T> {
  help: string;
  placeholder?: string;
  default?: T;
}

/** A number within a range (LIMITS in src/engine/train/limits.ts), integer or not as the range says. */
export function number(range: Range, o: Common<number> & { default: number }): Option<number>;
export function number(range: Range, o: Common<number>): Option<number | undefined>;
export function number(range: Range, o: Common<number>): Option<number | undefined> {
  const option: Option<number | undefined> = {
    kind: 'value',
    placeholder: o.placeholder ?? (range.integer ? 'N' : 'X'),
    allowed: describeRange(range),
    help: o.help,
    shown: o.default === undefined ? undefined : String(o.default),
    parse: (raw) => (raw === undefined ? o.default : numberFrom(raw, range)),
  };
  return checkDefault(option, o.default, String(o.default));
}

/**
 * One of a set of words: a fixed list, or a function that lists them when asked (a registry that
 * can grow after the table is built, such as the tasks').
 */
export function choice<const V extends string>(values: readonly V[] | (() => readonly V[]), o: Common<V> & { default: V }): Option<V>;
export function choice<const V extends string>(values: readonly V[] | (() => readonly V[]), o: Common<V>): Option<V | undefined>;
export function choice<const V extends string>(values: readonly V[] | (() => readonly V[]), o: Common<V>): Option<V | undefined> {
  const current = typeof values === 'function' ? values : () => values;
  const option: Option<V | undefined> = {
    kind: 'value',
    get placeholder() {
      return o.placeholder ?? current().join('|');
    },
    get allowed() {
      return `one of ${current().join(', ')}`;
    },
    help: o.help,
    shown: o.default,
    parse: (raw) => {
      if (raw === undefined) return o.default;
      const word = raw.trim();
      if (!current().includes(word as V)) throw new Invalid();
      return word as V;
    },
  };
  return checkDefault(option, o.default, o.default ?? '');
}

/** Free text (a path, a model name); never empty. */
export function text(o: Common<string> & { default: string }): Option<string>;
export function text(o: Common<string>): Option<string | undefined>;
export function text(o: Common<string>): Option<string | undefined> {
  const schema = z.string().trim().min(1);
  return {
    kind: 'value',
    placeholder: o.placeholder ?? 'TEXT',
    allowed: 'a non-empty text',
    help: o.help,
    shown: o.default,
    parse: (raw) => {
      if (raw === undefined) return o.default;
      const r = schema.safeParse(raw);
      if (!r.success) throw new Invalid();
      return raw;
    },
  };
}

/** A comma-separated list of items, each parsed by `item` (a choice or a number option); duplicates are dropped. */
export function list<T>(item: Option<T | undefined>, o: Common<string> & { default: string; maxItems?: number }): Option<T[]>;
export function list<T>(item: Option<T | undefined>, o: Common<string> & { maxItems?: number }): Option<T[] | undefined>;
export function list<T>(item: Option<T | undefined>, o: Common<string> & { maxItems?: number }): Option<T[] | undefined> {
  const maxItems = o.maxItems ?? 1000;
  const option: Option<T[] | undefined> = {
    kind: 'value',
    placeholder: o.placeholder ?? 'A,B,...',
    allowed: `a comma-separated list of 1 to ${maxItems} items, each ${item.allowed}`,
    help: o.help,
    shown: o.default,
    parse: (raw) => {
      const source = raw ?? o.default;
      if (source === undefined) return undefined;
      const items = source
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      if (items.length < 1 || items.length > maxItems) throw new Invalid();
      const out: T[] = [];
      for (const s of items) {
        const v = item.parse(s);
        if (v === undefined) throw new Invalid();
        if (!out.includes(v)) out.push(v);
      }
      return out;
    },
  };
  return checkDefault(option, o.default, o.default ?? '');
}

/** A value checked by a function that throws its own message (e.g. parseGroups); the message is kept. */
export function custom<T>(o: Common<string> & { allowed: string; parse: (raw: string) => T; default: string }): Option<T>;
export function custom<T>(o: Common<string> & { allowed: string; parse: (raw: string) => T }): Option<T | undefined>;
export function custom<T>(o: Common<string> & { allowed: string; parse: (raw: string) => T }): Option<T | undefined> {
  const option: Option<T | undefined> = {
    kind: 'value',
    placeholder: o.placeholder ?? 'TEXT',
    allowed: o.allowed,
    help: o.help,
    shown: o.default,
    parse: (raw) => {
      const source = raw ?? o.default;
      if (source === undefined) return undefined;
      try {
        return o.parse(source);
      } catch (err) {
        throw new Invalid(err instanceof Error ? err.message : String(err));
      }
    },
  };
  return checkDefault(option, o.default, o.default ?? '');
}

/** A switch: true when given, false otherwise. */
export function flag(help: string): Option<boolean> {
  return { kind: 'flag', placeholder: '', allowed: 'no value', help, parse: (raw) => raw !== undefined };
}

export type OptionTable = Record<string, Option<unknown>>;
export type OptionValues<O extends OptionTable> = { -readonly [K in keyof O]: O[K] extends Option<infer T> ? T : never };

export interface Command<O extends OptionTable = OptionTable> {
  name: string;
  summary: string;
  options: O;
  /** Positional arguments (e.g. `--merge DIR...`): their placeholder, or absent when none are taken. */
  positionals?: { placeholder: string; help: string };
  run: (values: OptionValues<O>, positionals: string[]) => Promise<number>;
}

/** Keeps the table's literal types so `run` sees every value with its own type. */
export function defineCommand<O extends OptionTable>(command: Command<O>): Command<O> {
  return command;
}

/** A value as messages echo it: cut, so a megabyte-long argument does not fill the terminal. */
const shown = (s: string, max = 60) => (s.length > max ? `${s.slice(0, max - 3)}...` : s);

/** Reads argv into the table's values, or throws a UsageError naming the flag and what it allows. */
export function parseCommand<O extends OptionTable>(command: Command<O>, argv: readonly string[]): { values: OptionValues<O>; positionals: string[] } {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: Object.fromEntries(Object.entries(command.options).map(([name, o]) => [name, { type: o.kind === 'flag' ? 'boolean' : 'string' }])) as Record<
        string,
        { type: 'boolean' | 'string' }
      >,
      strict: true,
      allowPositionals: command.positionals !== undefined,
    });
  } catch (err) {
    // util.parseArgs's own messages are clear ("Unknown option '--x'"); add where to look.
    throw new UsageError(`${shown((err as Error).message.split('\n').join(' '), 300)} (fpt ${command.name} --help lists the options)`);
  }
  const values: Record<string, unknown> = {};
  for (const [name, option] of Object.entries(command.options)) {
    const raw = parsed.values[name];
    try {
      values[name] = option.parse(raw === undefined || raw === false ? undefined : String(raw));
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      const detail = err.message ? `: ${shown(err.message, 300)}` : '';
      throw new UsageError(`--${name} must be ${option.allowed}, not "${shown(String(raw))}"${detail}`);
    }
  }
  return { values: values as OptionValues<O>, positionals: parsed.positionals };
}

/** The command's help, generated from its table. */
export function commandHelp(command: Command): string {
  const rows = Object.entries(command.options).map(([name, o]) => {
    const left = `  --${name}${o.kind === 'flag' ? '' : ` ${o.placeholder}`}`;
    const right = o.kind === 'flag' ? o.help : `${o.help} [${o.allowed}${o.shown === undefined ? '' : `; default ${o.shown}`}]`;
    return [left, right] as const;
  });
  const width = Math.min(34, Math.max(...rows.map(([l]) => l.length)) + 2);
  const lines = [`fpt ${command.name}${command.positionals ? ` [${command.positionals.placeholder}]` : ''}: ${command.summary}`, ''];
  for (const [l, r] of rows) lines.push(l.length < width ? l.padEnd(width) + r : `${l}\n${' '.repeat(width)}${r}`);
  if (command.positionals) lines.push(`  ${command.positionals.placeholder.padEnd(width - 2)}${command.positionals.help}`);
  return lines.join('\n');
}
