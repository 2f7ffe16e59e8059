import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { MODELS_DIR, resolveModel } from './models';

describe('--model names the committed models as what they are', () => {
  it('tiny is the random test model, never "pretrained"', async () => {
    const tiny = await resolveModel('tiny', true);
    expect(tiny.label).toBe(`${join(MODELS_DIR, 'tiny-gpt2')} (random test model (2 layers, 64 wide))`);
    expect(tiny.embedded?.languagePretrained).toBe(false);
    expect([tiny.config.nLayer, tiny.config.nEmbd]).toEqual([2, 64]);
    // Its directory given as a path is the same model, with the same label.
    expect((await resolveModel('models/tiny-gpt2', true)).label).toBe(tiny.label);
  });

  it('mini is the mini GPT-2 pretrained on English here', async () => {
    const mini = await resolveModel('mini', true);
    expect(mini.label).toBe(`${join(MODELS_DIR, 'mini-brown-gpt2')} (mini GPT-2 pretrained on English here (4 layers, 128 wide))`);
    expect(mini.embedded?.languagePretrained).toBe(true);
    expect([mini.config.nLayer, mini.config.nEmbd, mini.config.nHead]).toEqual([4, 128, 4]);
  });
});
