import { describe, expect, it } from 'vitest';
import { FPT_DEFAULT_GROUPS } from '../engine/groups';
import { gpt2AllCached, isGpt2Piece, piecesToRecord, startingSettings } from './gpt2-default';
import { DEFAULT_SETTINGS } from './settings';

const SITE = 'https://example.org/fpt-playground/models/gpt2';
const shard = (i: number) => `${SITE}/shard-00${i}.bin?fpt-cache=1&sha256=${'ab'.repeat(32)}`;
const hubChunk = (i: number) => `https://huggingface.co/gpt2/resolve/main/model.safetensors?fpt-cache=1&kind=range&bytes=${i * 16}-${i * 16 + 15}`;
const OTHER = [
  'https://example.org/fpt-playground/models/mini-brown-gpt2/shard-000.bin?fpt-cache=1&sha256=00',
  'https://example.org/fpt-playground/models/gpt2-medium/shard-000.bin?fpt-cache=1&sha256=00',
  'https://huggingface.co/gpt2-medium/resolve/main/model.safetensors?fpt-cache=1&bytes=0-15',
];

describe('GPT-2 small as the default once cached', () => {
  it('knows GPT-2 small’s pieces from the site and from the hub, and nothing else', () => {
    expect([shard(0), hubChunk(3)].map(isGpt2Piece)).toEqual([true, true]);
    expect(OTHER.map(isGpt2Piece)).toEqual([false, false, false]);
  });

  it('records the pieces only after a load that was complete in the cache', () => {
    const keys = [...OTHER, shard(1), shard(0)];
    expect(piecesToRecord(keys, { cache: 'enabled', shardsTotal: 2 })).toEqual([shard(0), shard(1)]);
    // One of three shards missing (evicted, or never written), the cache off or out of quota, no load at all.
    expect(piecesToRecord(keys, { cache: 'enabled', shardsTotal: 3 })).toBeNull();
    expect(piecesToRecord(keys, { cache: 'quota-exceeded', shardsTotal: 2 })).toBeNull();
    expect(piecesToRecord(keys, { cache: 'none', shardsTotal: 0 })).toBeNull();
    expect(piecesToRecord(keys, null)).toBeNull();
    expect(piecesToRecord(OTHER, { cache: 'enabled', shardsTotal: 0 })).toBeNull();
  });

  it('counts as cached only while every recorded piece is still there', () => {
    const recorded = [shard(0), shard(1)];
    expect(gpt2AllCached(recorded, [...OTHER, shard(1), shard(0)])).toBe(true);
    expect(gpt2AllCached(recorded, [...OTHER, shard(1)])).toBe(false);
    expect(gpt2AllCached(null, [shard(0)])).toBe(false);
    expect(gpt2AllCached([], [shard(0)])).toBe(false);
  });

  it('a fresh start with no link settings uses the paper’s Bit XOR FPT preset on GPT-2 small once cached', () => {
    const current = { ...DEFAULT_SETTINGS, seed: 7, backend: 'webgpu' as const };
    expect(startingSettings(current, false, true)).toEqual({
      settings: { ...current, task: 'bit-xor', bits: 5, model: 'gpt2', init: 'pretrained', groups: [...FPT_DEFAULT_GROUPS], lr: 1e-3, batchSize: 16 },
      presetId: 'table2-bit-xor-pretrained',
    });
    // Not cached: the embedded default; a link with settings of its own: the link wins.
    expect(startingSettings(current, false, false)).toBeNull();
    expect(startingSettings(current, true, true)).toBeNull();
  });
});
