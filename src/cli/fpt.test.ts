import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_TRAIN_SETTINGS as DEFAULT_SETTINGS } from '../engine/train/settings';
import { PAPER_LSTM } from '../engine/lstm';
import { COMMANDS, fpt } from './fpt';
import { commandHelp, parseCommand, UsageError, type OptionTable } from './options';
import { fileCellStore } from './sweep-files';
import { fptArgs } from './test-support';

let root = '';
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'fpt-cli-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** Runs `fpt ...argv` in this process; returns its exit status and what it printed to stderr. */
async function run(argv: string[]): Promise<{ code: number; stderr: string }> {
  const errors: string[] = [];
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void errors.push(a.join(' ')));
  vi.spyOn(console, 'log').mockImplementation(() => {});
  const code = await fpt(argv);
  vi.restoreAllMocks();
  return { code, stderr: errors.join('\n') };
}

const command = (name: string) => COMMANDS.find((c) => c.name === name)!;

describe('fpt option tables (issue 11, item 7)', () => {
  // Each of these was accepted, or crashed with a raw JS/TF error, or ran out of memory, before the tables.
  /** `fpt train <option> <value>` for each value, refused with `<option> must be <rule>, not "<value>"`. */
  const trainRefuses = (option: string, rule: string, ...values: string[]): [string[], string][] =>
    values.map((value) => [['train', option, value], `${option} must be ${rule}, not "${value}"`]);
  const refused: [string[], string][] = [
    ...trainRefuses('--steps', 'an integer in 1..10000000', '0', ''),
    ...trainRefuses('--batch', 'an integer in 1..1024', '0', '1.5', '1e9'),
    ...trainRefuses('--lr', 'a number > 0 and <= 1', '0', '1e308', '0x10'),
    ...trainRefuses('--eval-batches', 'an integer in 1..1000', '0'),
    ...trainRefuses('--seed', 'an integer in 0..4294967295', '1e300', '1.5', '4294967296'),
    ...trainRefuses('--lstm-width', 'an integer in 1..4096', '0'),
    ...trainRefuses('--dataset', 'an integer in 1..65536, or all', '0', 'most'),
    ...trainRefuses('--dropout', 'a number >= 0 and < 1', '2'),
    // Negative values, given as --option=value.
    [['train', '--steps=-1'], '--steps must be an integer in 1..10000000, not "-1"'],
    [['train', '--batch=-1'], '--batch must be an integer in 1..1024, not "-1"'],
    [['train', '--lr=-1'], '--lr must be a number > 0 and <= 1, not "-1"'],
    [['train', '--seed=-1'], '--seed must be an integer in 0..4294967295, not "-1"'],
    [['train', '--task', 'constructor'], '--task must be one of bit-xor, bit-memory, listops, mnist, cifar10, cifar10-lra, not "constructor"'],
    [['train', '--groups', ''], '--groups must be a comma-separated list of'],
    [['train', '--cache-features', '--groups', 'input,output'], '--cache-features needs --groups output'],
    [['train', '--steps'], "Option '--steps <value>' argument missing"],
    [['train', '--stpes', '5'], "Unknown option '--stpes' (fpt train --help lists the options)"],
    [['sweep', '--preset', 'table19', '--seeds', '1e9'], '--seeds must be an integer in 1..1000, not "1e9"'],
    [['sweep', '--preset', 'table19', '--steps=-1'], '--steps must be an integer in 1..10000000, not "-1"'],
    [['sweep', '--preset', 'table19', '--eval-batches', '0'], '--eval-batches must be an integer in 1..1000, not "0"'],
    [['sweep', '--preset', 'table19', '--tasks', 'bit-xor,nope'], '--tasks must be a comma-separated list of 1 to 1000 items, each one of bit-xor'],
    [['sweep', '--preset', 'table19', '--layers', '1,0'], '--layers must be a comma-separated list of 1 to 1000 items, each an integer in 1..1024, not "1,0"'],
    [['sweep', '--preset', 'table19', '--shard', '3/3'], '--shard must be K/N with integers 0 <= K < N <= 100000, not "3/3"'],
    [['sweep', '--preset', 'table19', '--shard', '1/0'], '--shard must be K/N'],
    [['sweep', '--preset', 'table19', '--shard', '0/2', '--merge', 'a'], '--merge and --shard do not go together'],
    [['sweep', '--preset', 'table19', '--merge'], '--merge needs the shard directories to join'],
    [['sweep', '--preset', 'table19', 'stray'], 'unexpected argument "stray"'],
    [['sweep', '--tasks', 'bit-xor'], 'fpt sweep needs --preset (one of table2, table19, depth)'],
    [['sweep', '--preset', 'table7'], '--preset must be one of table2, table19, depth, not "table7"'],
    [['train', '--random-init', 'bogus'], '--random-init must be one of paper, hf-scaled, not "bogus"'],
    [['sweep', '--preset', 'table2', '--lstm-lr', '0'], '--lstm-lr must be a number > 0 and <= 1, not "0"'],
    [['sweep', '--preset', 'table2', '--held-out', '0'], '--held-out must be an integer in 1..1000000, not "0"'],
    [['parity', '--backend', 'webgl'], '--backend must be one of cpu, wasm, webgpu, not "webgl"'],
  ];
  it.each(refused)('fpt %j exits with status 2 and names the flag and its range', async (argv, message) => {
    const { code, stderr } = await run(argv);
    expect(stderr).toContain(`fpt ${argv[0]}: ${message}`);
    expect(code).toBe(2);
  });

  it('a megabyte-long value, flag or group is cut in the message', async () => {
    const long = '9'.repeat(1_000_000);
    for (const argv of [
      ['train', '--steps', long],
      ['train', `--${long}`],
      ['train', '--groups', long],
      ['sweep', '--preset', 'table2', long],
    ]) {
      const { code, stderr } = await run(argv);
      expect(code).toBe(2);
      expect(stderr.length).toBeLessThan(500);
    }
  });

  it('defaults come from the trainer (one source), and every value is typed and checked', () => {
    const { values } = parseCommand(command('train'), []);
    expect(values).toMatchObject({
      task: 'bit-xor',
      batch: DEFAULT_SETTINGS.batchSize,
      // No --lr default for train: 1e-3, or the paper's 3e-4 with --init lstm (fpt.ts).
      lr: undefined,
      'random-init': 'paper',
      dropout: DEFAULT_SETTINGS.dropout,
      'eval-batches': DEFAULT_SETTINGS.evalBatches,
      seed: DEFAULT_SETTINGS.seed,
      groups: [...DEFAULT_SETTINGS.groups],
      'lstm-width': PAPER_LSTM.width,
      'lstm-layers': PAPER_LSTM.layers,
      steps: 500,
      backend: 'cpu',
      json: false,
    });
    const sweep = parseCommand(command('sweep'), [
      '--preset',
      'depth',
      '--tasks',
      'bit-xor,listops,bit-xor',
      '--layers',
      '2,1',
      '--lr',
      '3e-4',
      '--seeds',
      '2',
      '--shard',
      '2/3',
    ]);
    expect(sweep.values).toMatchObject({
      preset: 'depth',
      tasks: ['bit-xor', 'listops'],
      layers: [2, 1],
      lr: 3e-4,
      seeds: 2,
      shard: { index: 2, count: 3 },
      batch: DEFAULT_SETTINGS.batchSize,
    });
    expect(() => parseCommand(command('train'), ['--seed', '4294967295'])).not.toThrow();
    expect(() => parseCommand(command('train'), ['--steps', '1e7', '--lr', '1', '--dropout', '0'])).not.toThrow();
    expect(() => parseCommand(command('train'), ['--lr', '1.0000001'])).toThrow(UsageError);
  });

  it('fpt <command> --help is generated from the table: every flag with its range and default', async () => {
    for (const c of COMMANDS) {
      const help = commandHelp(c);
      for (const [name, option] of Object.entries(c.options as OptionTable)) {
        expect(help).toContain(`--${name}`);
        if (option.kind === 'value') expect(help).toContain(option.allowed);
      }
    }
    expect(commandHelp(command('train'))).toMatch(/--steps N +training steps \[an integer in 1\.\.10000000; default 500\]/);
    expect(commandHelp(command('sweep'))).toMatch(/--lr X +Adam's learning rate \[a number > 0 and <= 1; default 0\.001\]/);
    expect(commandHelp(command('train'))).toMatch(/--lr X +Adam's learning rate \(default 0\.001; 0\.0003 with --init lstm/);
  });

  it('--model constructor is not mistaken for a GPT-2 preset (it was: a raw TypeError)', async () => {
    const { code, stderr } = await run(['train', '--model', 'constructor', '--steps', '1', '--init', 'random']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^fpt train: no checkpoint at .*constructor \(expected manifest\.json and shards/);
  });

  it('a valid command line trains (tiny model, 2 steps)', async () => {
    const out: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => void out.push(line));
    const code = await fpt(['train', '--steps', '2', '--eval-every', '1', '--eval-batches', '1', '--batch', '2', '--seed', '4294967295', '--json']);
    vi.restoreAllMocks();
    expect(code).toBe(0);
    const final = JSON.parse(out[out.length - 1]).final;
    expect(final.step).toBe(2);
    expect(final.test_acc).toBeGreaterThanOrEqual(0);
    expect(final.test_acc).toBeLessThanOrEqual(1);
  });
});

describe('fpt sweep --shard K/N and --merge DIR... (issue 14)', () => {
  it('a 3-way sharded sweep plus merge writes exactly the single-machine table; merge refuses missing cells and cells of other settings', async () => {
    const grid = fptArgs('sweep', {
      preset: 'table19',
      tasks: 'bit-xor',
      steps: 3,
      seeds: 2,
      batch: 2,
      'eval-every': 2,
      'eval-batches': 1,
      model: 'tiny',
      backend: 'cpu',
      // Each cell ends on the whole held-out sample: 32 examples, not the default 2,000, keeps 16 cells fast.
      'held-out': 32,
    });
    const dir = (name: string) => join(root, name);
    expect((await run([...grid, '--out', dir('single')])).code).toBe(0);
    const shardDirs = [0, 1, 2].map((k) => dir(`shard-${k}`));
    for (const [k, out] of shardDirs.entries()) expect((await run([...grid, '--shard', `${k}/3`, '--out', out])).code).toBe(0);
    // 4 configurations × 2 seeds = 8 cells, dealt round-robin: 3, 3 and 2; a shard writes cells only.
    const shardFiles = await Promise.all(shardDirs.map(async (d) => (await readdir(join(d, 'cells'))).sort()));
    expect(shardFiles.map((f) => f.length)).toEqual([3, 3, 2]);
    expect(new Set(shardFiles.flat()).size).toBe(8);
    expect((await readdir(join(dir('single'), 'cells'))).sort()).toEqual(shardFiles.flat().sort());
    expect(existsSync(join(shardDirs[0], 'results.json'))).toBe(false);

    // Two of three shards: the missing cells are named, no table is written.
    const partial = await run([...grid, '--out', dir('partial'), '--merge', shardDirs[0], shardDirs[1]]);
    expect(partial.code).toBe(1);
    // Plan order: output, layernorm, input, positions × seeds 0, 1; shard 2 holds cells 2 and 5.
    expect(partial.stderr).toContain(
      '--merge: 2 of 8 cells are missing (bit-xor__pretrained-layernorm__seed0__3steps, bit-xor__pretrained-input__seed1__3steps); run their shards again',
    );
    expect(existsSync(join(dir('partial'), 'results.json'))).toBe(false);

    // All three: the same table, row for row and cell for cell (seeded, same backend).
    expect((await run([...grid, '--out', dir('merged'), '--merge', ...shardDirs])).code).toBe(0);
    const single = JSON.parse(await readFile(join(dir('single'), 'results.json'), 'utf8'));
    const merged = JSON.parse(await readFile(join(dir('merged'), 'results.json'), 'utf8'));
    expect(await readFile(join(dir('merged'), 'results.md'), 'utf8')).toBe(await readFile(join(dir('single'), 'results.md'), 'utf8'));
    expect(merged.summary).toEqual(single.summary);
    expect(merged.settings).toEqual(single.settings);
    const science = (c: { id: string; final: unknown; curve: unknown; settings: unknown; groups: unknown }) => [c.id, c.final, c.curve, c.settings, c.groups];
    expect(merged.cells.map(science)).toEqual(single.cells.map(science));
    expect(merged.summary).toHaveLength(4);

    // A cell of other settings (lr) among the shards: refused by name, nothing copied.
    const store = fileCellStore(shardDirs[2]);
    const cell = (await store.read(shardFiles[2][0].replace(/\.json$/, '')))!;
    const other = dir('other');
    await fileCellStore(other).write({ ...cell, settings: { ...cell.settings, lr: 0.003 } });
    const refused = await run([...grid, '--out', dir('merged-2'), '--merge', shardDirs[0], shardDirs[1], other]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `--merge refused 1 cell file(s), nothing was copied:\n  ${join(other, 'cells', shardFiles[2][0])}: made with other settings (lr: 0.003 vs 0.001)`,
    );
    expect(existsSync(join(dir('merged-2'), 'cells'))).toBe(false);
  });
});
