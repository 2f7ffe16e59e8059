/**
 * The Pretrain panel's worker: trains a byte-level causal language model (src/engine/lm, the code
 * `fpt pretrain` runs) on the built-in Brown slice (brown-page.json, page-corpus.ts) or a text the
 * user gave, reports train and held-out bits per byte and a greedy sample at every evaluation, and
 * on request stores the model as the `pretrained-here` backbone (local-models.ts) that the training
 * worker loads. Its own protocol: pretrain-protocol.ts.
 */
import brownPageUrl from '../engine/lm/brown-page.json?url';
import { startBackend } from '../engine/backend';
import { lmConfigJson, lmSafetensors } from '../engine/lm/checkpoint';
import { splitText, unigramEntropyBits, type Corpus } from '../engine/lm/corpus';
import { initLmTensors, lmConfig } from '../engine/lm/language-model';
import { parsePageCorpus } from '../engine/lm/page-corpus';
import { LmTrainer, nats2bits } from '../engine/lm/pretrain';
import { BYTE_VOCAB_SIZE, decodeBytes, encodeBytes } from '../engine/lm/tokenizer';
import { tf } from '../engine/tf';
import { saveLocalModel } from './local-models';
import { LOCAL_MODEL_ID, type FromPretrainWorker, type PretrainSettings, type ToPretrainWorker } from './pretrain-protocol';
import { WASM_PATHS } from './wasm-paths';

/** FPT tasks run up to 512 tokens (ListOps) on the stored model: rows past the context keep their init. */
const POSITIONS = 1024;

let settings: PretrainSettings | null = null;
let trainer: LmTrainer | null = null;
let corpusName = '';
let step = 0;
let running = false;
let lastHeldOut: number | null = null;
let lossSum = 0;
let lossCount = 0;
let stepMs = 0;
/** Serialises message handling: a save never runs in the middle of a step. */
let queue: Promise<void> = Promise.resolve();

const post = (m: FromPretrainWorker) => (self as unknown as Worker).postMessage(m);
const fail = (err: unknown) => {
  running = false;
  post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
};

async function loadCorpus(spec: PretrainSettings['corpus']): Promise<Corpus> {
  if (spec.kind === 'brown') {
    const res = await fetch(brownPageUrl);
    if (!res.ok) throw new Error(`the built-in Brown text could not be read (HTTP ${res.status} for ${brownPageUrl})`);
    return parsePageCorpus(await res.json());
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(spec.bytes);
  } catch {
    throw new Error(`${spec.name} is not UTF-8 text: give a plain text file`);
  }
  return splitText(spec.name, text);
}

async function start(s: PretrainSettings): Promise<void> {
  running = false;
  trainer?.dispose();
  trainer = null;
  settings = s;
  step = 0;
  lossSum = lossCount = stepMs = 0;
  lastHeldOut = null;
  post({ type: 'status', message: 'Starting the backend…' });
  const backend = await startBackend([s.backend], true, { wasmPaths: WASM_PATHS });
  post({ type: 'status', message: 'Reading the text…' });
  const corpus = await loadCorpus(s.corpus);
  for (const [part, bytes] of [
    ['training', corpus.train],
    ['held-out', corpus.heldOut],
  ] as const) {
    if (bytes.length < s.context + 1)
      throw new Error(
        `the ${part} part of ${corpus.name} has ${bytes.length} bytes, fewer than one window of ${s.context + 1}: give a longer text or a shorter context`,
      );
  }
  corpusName = corpus.name;
  const config = lmConfig({ layers: s.layers, width: s.width, heads: s.heads, positions: Math.max(POSITIONS, s.context) });
  trainer = new LmTrainer(config, initLmTensors(config, s.seed), corpus, { ...s, maxGradNorm: 1 });
  post({
    type: 'ready',
    backend: backend.adapter ? `${backend.name} (${backend.adapter})` : backend.name,
    params: trainer.model.countParams().reduce((n, g) => n + g.params, 0),
    trainBytes: corpus.train.length,
    heldOutBytes: corpus.heldOut.length,
    unigramBits: unigramEntropyBits(corpus.heldOut),
  });
  await evaluate();
  running = true;
  post({ type: 'running', running, step });
  void loop();
}

async function evaluate(): Promise<void> {
  if (!trainer || !settings) return;
  const heldOutBits = nats2bits(await trainer.heldOutLoss());
  lastHeldOut = heldOutBits;
  const sample = decodeBytes(trainer.model.greedy(encodeBytes(settings.prompt), settings.sampleBytes));
  const trainBits = lossCount ? nats2bits(lossSum / lossCount) : null;
  const msPerStep = lossCount ? stepMs / lossCount : null;
  lossSum = lossCount = stepMs = 0;
  post({ type: 'evaluation', point: { step, trainBits, heldOutBits, sample }, msPerStep });
}

/** Trains while running, one step per turn of the queue so that pause and save come in between. */
async function loop(): Promise<void> {
  while (running && trainer && settings && step < settings.steps) {
    await (queue = queue
      .then(async () => {
        // A quick pause and resume can leave two loops queueing steps: never train past the run's length.
        if (!running || !trainer || !settings || step >= settings.steps) return;
        const started = performance.now();
        lossSum += await trainer.step(step);
        stepMs += performance.now() - started;
        lossCount++;
        step++;
        if (step % settings.evalEvery === 0 || step === settings.steps) await evaluate();
      })
      .catch(fail));
    await new Promise((r) => setTimeout(r, 0));
  }
  if (running) {
    running = false;
    post({ type: 'running', running, step });
  }
}

async function save(): Promise<void> {
  if (!trainer || !settings) throw new Error('nothing has been pretrained yet');
  const s = settings;
  const config = lmConfig({ layers: s.layers, width: s.width, heads: s.heads, positions: Math.max(POSITIONS, s.context) });
  const provenance = {
    tokenizer: `bytes (UTF-8, ${BYTE_VOCAB_SIZE} tokens)`,
    corpus: corpusName,
    context: s.context,
    steps: step,
    seed: s.seed,
    ...(lastHeldOut === null ? {} : { heldOutBitsPerByte: lastHeldOut }),
  };
  await saveLocalModel(LOCAL_MODEL_ID, lmConfigJson(config, BYTE_VOCAB_SIZE, provenance), lmSafetensors(config, await trainer.model.tensors()), {
    step,
    heldOutBits: lastHeldOut,
    corpus: corpusName,
    layers: s.layers,
    width: s.width,
    heads: s.heads,
    context: s.context,
    savedAt: new Date().toISOString(),
  });
  post({ type: 'saved', modelId: LOCAL_MODEL_ID, step, heldOutBits: lastHeldOut });
}

self.onmessage = (e: MessageEvent<ToPretrainWorker>) => {
  const msg = e.data;
  switch (msg.type) {
    case 'start':
      queue = queue.then(() => start(msg.settings)).catch(fail);
      return;
    case 'pause':
      running = false;
      post({ type: 'running', running, step });
      return;
    case 'resume':
      if (running || !trainer || !settings || step >= settings.steps) return;
      running = true;
      post({ type: 'running', running, step });
      void loop();
      return;
    case 'save':
      queue = queue.then(save).catch(fail);
      return;
  }
};

tf.enableProdMode();
