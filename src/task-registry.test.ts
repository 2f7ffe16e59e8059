/**
 * Issue 15's "done when": a new task is one definition plus one registration, and the page's task
 * picker, its links, the saved-settings schema, the CLI and the sweeps offer it with no other change.
 * The toy task is parity of n bits, defined here and registered for this file only.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { autoRunName } from './app/runs/run-history';
import { DEFAULT_SETTINGS, taskChoices } from './app/settings';
import { decodeUrlState, DEFAULT_URL_STATE, encodeUrlState } from './app/url-state';
import { COMMANDS, fpt } from './cli/fpt';
import { commandHelp, parseCommand } from './cli/options';
import { fptArgs } from './cli/test-support';
import { paperTaskName } from './engine/paper-numbers';
import type { Rng } from './engine/rng';
import { Rng as SeededRng } from './engine/rng';
import { cellResultSchema } from './engine/sweep/results-schema';
import { fromScratchLayers, layersFor, presetConfigs } from './engine/sweep/presets';
import { planCells } from './engine/sweep/run';
import { createTask, registerTask, taskNames, type Batch, type Task, type TaskDefinition, type TaskSpec } from './engine/tasks';
import { describeExample, tokenLabels } from './worker/presentation';
import { runSettingsSchema } from './worker/settings-schema';

/** Parity: n bits, one per token; the last token's output says whether an odd number of them is 1. */
function createParityTask(bits = 4): Task {
  const spec: TaskSpec = {
    name: 'parity',
    seqLen: bits,
    input: { kind: 'vector', dim: 1 },
    outputTokens: 1,
    labelsPerToken: 1,
    classes: 2,
    metric: 'accuracy',
  };
  return {
    ...spec,
    batch(batchSize: number, _split, rng: Rng): Batch {
      const x = new Float32Array(batchSize * bits);
      const y = new Int32Array(batchSize);
      for (let b = 0; b < batchSize; b++) {
        for (let i = 0; i < bits; i++) {
          x[b * bits + i] = rng.bit();
          y[b] ^= x[b * bits + i];
        }
      }
      return { x, y, batchSize };
    },
    describe: (batch, index) => `${Array.from(batch.x.subarray(index * bits, (index + 1) * bits)).join('')} → ${batch.y[index]}`,
  };
}

const PARITY: TaskDefinition = {
  name: 'parity',
  label: 'Parity',
  choiceLabel: 'Parity of n bits',
  inputKind: 'vector',
  bits: { default: 4 },
  create: (options) => createParityTask(options.bits),
};

let unregister = () => {};
let root = '';
beforeAll(async () => {
  unregister = registerTask(PARITY);
  root = await mkdtemp(join(tmpdir(), 'fpt-parity-'));
});
afterAll(async () => {
  unregister();
  await rm(root, { recursive: true, force: true });
});

/** Runs `fpt ...argv` here; returns its status and what it printed to stdout. */
async function run(argv: string[]): Promise<{ code: number; out: string[] }> {
  const out: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((line: string) => void out.push(line));
  vi.spyOn(console, 'error').mockImplementation(() => {});
  try {
    return { code: await fpt(argv), out };
  } finally {
    vi.restoreAllMocks();
  }
}

describe('a task registered with one call (parity of n bits)', () => {
  it('builds with the bits setting, and its generator is right', async () => {
    expect(taskNames()).toEqual(['bit-xor', 'bit-memory', 'listops', 'mnist', 'cifar10', 'cifar10-lra', 'parity']);
    const task = await createTask('parity', { bits: 6 });
    expect([task.seqLen, task.input.kind]).toEqual([6, PARITY.inputKind]);
    const batch = task.batch(8, 'train', new SeededRng(1));
    for (let b = 0; b < 8; b++) expect(batch.y[b]).toBe(Array.from(batch.x.subarray(b * 6, (b + 1) * 6)).reduce((a, v) => a ^ v, 0));
    expect((await createTask('parity')).seqLen).toBe(4);
    expect(() => registerTask(PARITY)).toThrow('task "parity" is already registered');
    expect(() => registerTask({ ...PARITY, name: 'Parity!' })).toThrow(/lower-case letters, digits and dashes/);
  });

  it('the page offers it: task picker, links, saved settings, run names, previews', async () => {
    expect(taskChoices().at(-1)).toEqual({ value: 'parity', label: 'Parity of n bits' });
    expect(taskChoices()[5]).toEqual({ value: 'cifar10-lra', label: 'CIFAR-10 LRA (grey, 1024 tokens)' });
    const decoded = decodeUrlState('?v=1&task=parity&bits=6');
    expect(decoded.notices).toEqual([]);
    expect(decoded.state.settings).toMatchObject({ task: 'parity', bits: 6 });
    expect(decodeUrlState(`?${encodeUrlState(decoded.state)}`).state).toEqual(decoded.state);
    expect(decodeUrlState('?v=1&task=parrot').notices).toEqual([
      'task "parrot" is not one of bit-xor, bit-memory, listops, mnist, cifar10, cifar10-lra, parity: using bit-xor',
    ]);
    const settings = { ...DEFAULT_URL_STATE.settings, task: 'parity', bits: 6 };
    expect(runSettingsSchema.safeParse(settings).success).toBe(true);
    expect(runSettingsSchema.safeParse({ ...settings, task: 'parrot' }).success).toBe(false);
    // A task with a bits setting is named with it, as Bit XOR is.
    expect(autoRunName({ ...DEFAULT_SETTINGS, task: 'parity', bits: 6 })).toMatch(/^Parity 6 · /);
    const task = await createTask('parity', { bits: 6 });
    const batch = task.batch(1, 'test', new SeededRng(3));
    expect(tokenLabels(task, batch, 0)).toEqual(['t1', 't2', 't3', 't4', 't5', 't6']);
    const example = describeExample(task, batch, 0, [1]);
    expect(example).toMatchObject({ image: undefined, target: [batch.y[0]], prediction: [1] });
    expect(example.text).toMatch(/^[01]{6} → [01]$/);
  });

  it('the CLI offers it: --task and --tasks accept it, the help lists it, --bits reaches it', async () => {
    const train = COMMANDS.find((c) => c.name === 'train')!;
    const sweep = COMMANDS.find((c) => c.name === 'sweep')!;
    expect(parseCommand(train, ['--task', 'parity', '--bits', '6']).values).toMatchObject({ task: 'parity', bits: 6 });
    expect(parseCommand(sweep, ['--preset', 'table19', '--tasks', 'bit-xor,parity']).values).toMatchObject({ tasks: ['bit-xor', 'parity'] });
    expect(commandHelp(train)).toContain('--task bit-xor|bit-memory|listops|mnist|cifar10|cifar10-lra|parity');
    expect(commandHelp(train)).toContain('bits per string, for Bit XOR (default 5)');
    expect(() => parseCommand(train, ['--task', 'parrot'])).toThrow(
      '--task must be one of bit-xor, bit-memory, listops, mnist, cifar10, cifar10-lra, parity, not "parrot"',
    );
    // It trains: 3 steps of the tiny fixture model on the cpu backend, with --bits reaching the task.
    const { code, out } = await run([
      'train',
      '--task',
      'parity',
      '--bits',
      '6',
      '--steps',
      '3',
      '--eval-every',
      '3',
      '--eval-batches',
      '1',
      '--batch',
      '4',
      '--json',
    ]);
    expect(code).toBe(0);
    const final = JSON.parse(out.at(-1)!).final;
    expect(final).toMatchObject({ task: 'parity', step: 3, groups: ['input', 'output', 'positions', 'layernorm'] });
    expect(final.model).toMatch(/tiny-gpt2 \(random test model \(2 layers, 64 wide\)\)$/);
    expect(Number.isFinite(final.train_loss)).toBe(true);
    expect(final.test_acc).toBeGreaterThanOrEqual(0);
    expect(final.test_acc).toBeLessThanOrEqual(1);
    // 6 bits use 6 position rows of the 64-wide model, the default 4 bits two fewer.
    const short = await run(['train', '--task', 'parity', '--steps', '1', '--eval-every', '1', '--eval-batches', '1', '--batch', '2', '--json']);
    expect(final.total_params - JSON.parse(short.out.at(-1)!).final.total_params).toBe(2 * 64);
  });

  it('the sweeps offer it: presets plan its cells without paper numbers, and fpt sweep writes its table', async () => {
    expect(paperTaskName('parity')).toBe('Parity');
    const configs = presetConfigs('table19', { modelWidth: 64, modelLayers: 2 });
    expect(configs.map((c) => c.paper.parity)).toEqual([undefined, undefined, undefined, undefined]);
    const cells = planCells(['parity'], configs, [0], 2);
    expect(cells.map((c) => c.id)).toEqual(['output', 'layernorm', 'input', 'positions'].map((s) => `parity__pretrained-${s}__seed0__2steps`));
    // No from-scratch depth in its definition: the scratch configuration uses the model's own.
    expect(fromScratchLayers()).not.toHaveProperty('parity');
    expect(layersFor(presetConfigs('table2', { modelWidth: 64, modelLayers: 2 })[3], 'parity')).toBeUndefined();

    const dir = join(root, 'sweep');
    const args = fptArgs('sweep', {
      preset: 'table19',
      tasks: 'parity',
      bits: 5,
      steps: 2,
      seeds: 1,
      batch: 2,
      'eval-every': 2,
      'eval-batches': 1,
      'held-out': 8,
    });
    expect((await run([...args, '--out', dir])).code).toBe(0);
    const results = JSON.parse(await readFile(join(dir, 'results.json'), 'utf8'));
    expect(results.cells.map((c: { id: string }) => c.id)).toEqual(cells.map((c) => c.id));
    for (const cell of results.cells) expect(cellResultSchema.safeParse(cell).success).toBe(true);
    expect(results.cells[0]).toMatchObject({ task: 'parity', seed: 0, final: { step: 2 } });
    const table = await readFile(join(dir, 'results.md'), 'utf8');
    expect(table).toMatch(/\| parity \| pretrained: output only \| [\d.]+ \| [\d.]+ \(n=8\) \| — \| 1 \| 2 \| — \|/);
  });
});
