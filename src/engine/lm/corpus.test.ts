import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { brownDir, brownSamples, loadBrownCorpus } from './brown-node';
import { heldOutWindows, isHeldOutSample, sampleWindows, splitText, stripBrownTags, unigramEntropyBits } from './corpus';
import { BYTE_VOCAB_SIZE, decodeBytes, encodeBytes } from './tokenizer';

describe('Brown Corpus tag stripping', () => {
  it('turns the first sentences of sample ca01, as the package stores them, into plain English', () => {
    const tagged = readFileSync(join(brownDir(), 'ca01'), 'latin1');
    expect(tagged).toContain('The/at Fulton/np-tl County/nn-tl Grand/jj-tl Jury/nn-tl said/vbd');
    const text = stripBrownTags(tagged);
    expect(
      text.startsWith(
        'The Fulton County Grand Jury said Friday an investigation of Atlanta\'s recent primary election produced "no evidence" that any irregularities took place.\n' +
          'The jury further said in term-end presentments that the City Executive Committee, which had over-all charge of the election, "deserves the praise and thanks of the City of Atlanta" for the manner in which the election was conducted.',
      ),
    ).toBe(true);
    expect(text).not.toMatch(/\/(at|nn|vbd|np-tl)\b/);
  });

  it('keeps a slash inside a word, glues brackets and closing punctuation, joins sentences of a paragraph with spaces', () => {
    expect(stripBrownTags('\n\n\tHe/pps paid/vbd 1/2/cd (/( or/cc less/ap )/) ;/. ok/uh ?/.\n\tYes/rb !/.\n\n\n\tNext/ap ./.\n')).toBe(
      'He paid 1/2 (or less); ok? Yes!\nNext.',
    );
  });
});

describe('the Brown split and corpus statistics', () => {
  it('holds out every 20th of the 500 samples in name order (25, from 13 of the 15 genres), and the text is plain ASCII', () => {
    const samples = brownSamples();
    expect(samples).toHaveLength(500);
    const held = samples.filter((_, i) => isHeldOutSample(i)).map((s) => s.name);
    expect(held).toHaveLength(25);
    expect(held.slice(0, 3)).toEqual(['ca01', 'ca21', 'ca41']);
    expect(new Set(held.map((n) => n[1])).size).toBe(13); // of the 15 genres (the two smallest fall between)
    const corpus = loadBrownCorpus();
    expect(corpus.heldOut.length).toBeGreaterThan(250_000);
    expect(corpus.train.length).toBeGreaterThan(5_000_000);
    expect(corpus.train.every((b) => b < 128)).toBe(true);
    // Letter frequencies of English: between 4 and 4.6 bits per character.
    const h = unigramEntropyBits(corpus.heldOut);
    expect(h).toBeGreaterThan(4);
    expect(h).toBeLessThan(4.6);
  });

  it('unigram entropy: 2 bits for four equally frequent bytes, 0 for one', () => {
    expect(unigramEntropyBits(encodeBytes('abcdabcd'))).toBeCloseTo(2, 12);
    expect(unigramEntropyBits(encodeBytes('zzzz'))).toBe(0);
  });

  it('a text file: the last tenth, cut after a line break, is held out', () => {
    const text = Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n');
    const c = splitText('t.txt', text);
    expect(decodeBytes(c.train) + decodeBytes(c.heldOut)).toBe(text);
    expect(decodeBytes(c.heldOut).startsWith('line ')).toBe(true);
    expect(() => splitText('empty.txt', '')).toThrow('empty');
  });
});

describe('byte tokenizer and batches', () => {
  it('has 256 tokens and round-trips any string through its UTF-8 bytes', () => {
    expect(BYTE_VOCAB_SIZE).toBe(256);
    expect(Array.from(encodeBytes('né'))).toEqual([110, 195, 169]);
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (s) => decodeBytes(encodeBytes(s)) === s));
  });

  it('training windows depend only on (seed, step); labels are the inputs shifted by one byte', () => {
    const bytes = encodeBytes('the quick brown fox jumps over the lazy dog, again and again.');
    const a = sampleWindows(bytes, 4, 8, 7, 3);
    expect(sampleWindows(bytes, 4, 8, 7, 3)).toEqual(a);
    expect(sampleWindows(bytes, 4, 8, 7, 4)).not.toEqual(a);
    const text = decodeBytes(bytes);
    for (let b = 0; b < 4; b++) {
      const x = decodeBytes(a.x.subarray(b * 8, b * 8 + 8));
      const y = decodeBytes(a.labels.subarray(b * 8, b * 8 + 8));
      expect(text).toContain(x + y.slice(-1));
      expect(y.slice(0, 7)).toBe(x.slice(1));
    }
    expect(() => sampleWindows(bytes.subarray(0, 8), 1, 8, 0, 0)).toThrow('fewer than one window');
  });

  it('held-out windows are evenly spaced from the first byte to the last, in batches', () => {
    const bytes = Uint8Array.from({ length: 101 }, (_, i) => i);
    const groups = heldOutWindows(bytes, 5, 2, 10);
    expect(groups.map((g) => g.rows)).toEqual([2, 2, 1]);
    expect(Array.from(groups[0].x.subarray(0, 3))).toEqual([0, 1, 2]);
    expect(Array.from(groups[2].labels.subarray(9, 10))).toEqual([100]);
  });
});
