import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeUrlState } from '../url-state';
import { lessonBlockers } from '../instructor/link';

/** docs/workshop.md's prepared links must open exactly as written: no notices, and no lesson blocked by its own flags. */
describe('docs/workshop.md links', () => {
  const doc = readFileSync(new URL('../../../docs/workshop.md', import.meta.url), 'utf8');
  const links = [...doc.matchAll(/`(http:\/\/localhost:5173\/\?[^`]+)`/g)].map((m) => m[1]);

  it('are all read without a notice', () => {
    expect(links.length).toBe(4);
    for (const link of links) expect([link, decodeUrlState(new URL(link).search).notices]).toEqual([link, []]);
  });

  it('open the lessons they name, with the controls each lesson needs', () => {
    const states = links.map((l) => decodeUrlState(new URL(l).search).state);
    expect(states.map((s) => s.lesson)).toEqual(['bit-xor-attention', 'bit-xor-attention', 'pretrained-vs-random', null]);
    for (const s of states) expect(lessonBlockers(s.instructor, s.lesson)).toEqual([]);
    expect(states[0].instructor).toEqual({ hide: ['backend', 'presets', 'adapters'], lock: ['task', 'backbone', 'lr', 'batch', 'seed'] });
    expect(states[3]).toMatchObject({ preset: 'table19-bit-xor-output', settings: { model: 'gpt2', init: 'pretrained', groups: ['output'] } });
  });
});
