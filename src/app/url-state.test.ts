import { describe, expect, it } from 'vitest';
import { decodeUrlState, DEFAULT_URL_STATE, encodeUrlState, type UrlState } from './url-state';

const CUSTOM: UrlState = {
  settings: {
    task: 'listops',
    bits: 17,
    model: 'gpt2',
    init: 'statistics',
    batchSize: 32,
    lr: 3e-4,
    seed: 42,
    groups: ['output', 'layernorm', 'attention'],
    backend: 'webgl',
  },
  stepsPerUpdate: 25,
  layer: 3,
  instructor: { hide: [], lock: [] },
  lesson: null,
  preset: null,
  extras: { debug: '1' },
};

describe('URL state', () => {
  it('round-trips every field without notices', () => {
    const search = encodeUrlState(CUSTOM);
    expect(search).toBe(
      'v=1&task=listops&bits=17&bb=gpt2-statistics&g=output,layernorm,attention&lr=0.0003&seed=42&batch=32&speed=25&layer=3&backend=webgl&debug=1',
    );
    expect(decodeUrlState(`?${search}`)).toEqual({ state: CUSTOM, notices: [] });
  });

  it('round-trips the defaults and an empty group list', () => {
    expect(decodeUrlState(encodeUrlState(DEFAULT_URL_STATE))).toEqual({ state: DEFAULT_URL_STATE, notices: [] });
    const none = { ...DEFAULT_URL_STATE, settings: { ...DEFAULT_URL_STATE.settings, groups: [] } };
    expect(decodeUrlState(encodeUrlState(none)).state.settings.groups).toEqual([]);
  });

  it('clamps or replaces tampered values, saying what changed', () => {
    const { state, notices } = decodeUrlState('?v=1&seed=-3&lr=banana&task=nope&bits=1000&batch=20&speed=7&layer=1.6&g=input,bogus&bb=gpt5&backend=tpu');
    expect(state.settings).toEqual({ ...DEFAULT_URL_STATE.settings, bits: 256, batchSize: 16, groups: ['input'] });
    expect(state.stepsPerUpdate).toBe(5);
    expect(state.layer).toBe(2);
    expect(notices).toEqual([
      'backbone "gpt5" is not one of mini-brown, mini-brown-random, mini-brown-statistics, tiny, tiny-random, gpt2, gpt2-random, gpt2-statistics, pretrained-here: using tiny',
      'task "nope" is not one of bit-xor, bit-memory, listops, mnist, cifar10, cifar10-lra: using bit-xor',
      'bits 1000 is above 256: using 256',
      'batch size 20 is not one of 2, 4, 8, 16, 32, 64: using 16',
      'learning rate "banana" is not a number: using 0.003',
      'seed -3 is below 0: using 0',
      'unknown parameter group "bogus" ignored (known: input, output, positions, layernorm, attention, feedforward)',
      'compute backend "tpu" is not one of auto, webgpu, webgl, wasm, cpu: using auto',
      'steps per update 7 is not one of 1, 5, 10, 25, 50: using 5',
      'attention layer 1.6 is not a whole number: using 2',
    ]);
  });

  it("a link naming a pretrained backbone without g= or lr= opens the paper's FPT groups at lr 1e-3; the random test model keeps the first-visit choice", () => {
    for (const bb of ['gpt2', 'mini-brown', 'gpt2-random', 'pretrained-here']) {
      const { state, notices } = decodeUrlState(`?v=1&bb=${bb}`);
      expect(state.settings.groups, bb).toEqual(['input', 'output', 'positions', 'layernorm']);
      expect(state.settings.lr, bb).toBe(0.001);
      expect(notices, bb).toEqual([]);
    }
    for (const bb of ['tiny', 'tiny-random']) {
      const { settings } = decodeUrlState(`?v=1&bb=${bb}`).state;
      expect(settings.groups, bb).toEqual(['input', 'output', 'positions', 'layernorm', 'attention', 'feedforward']);
      expect(settings.lr, bb).toBe(0.003);
    }
    // What the link states wins over either default.
    expect(decodeUrlState('?v=1&bb=gpt2&g=output&lr=0.0003').state.settings).toMatchObject({ groups: ['output'], lr: 0.0003 });
  });

  it('clamps the learning rate into [1e-5, 1e-1] and rounds a fractional seed', () => {
    expect(decodeUrlState('?v=1&lr=5').state.settings.lr).toBe(0.1);
    expect(decodeUrlState('?v=1&lr=1e-9').notices).toEqual(['learning rate 1e-9 is below 0.00001: using 0.00001']);
    expect(decodeUrlState('?v=1&seed=2.5').state.settings.seed).toBe(3);
  });

  it('ignores unknown keys and keeps only the preserved extras', () => {
    const { state, notices } = decodeUrlState('?v=1&task=mnist&utm_source=mail&debug=1');
    expect(state.settings.task).toBe('mnist');
    expect(state.extras).toEqual({ debug: '1' });
    expect(notices).toEqual([]);
    expect(encodeUrlState(state)).not.toContain('utm_source');
  });

  it('migrates v0 links (no `v`: only ?backend=cpu existed)', () => {
    const { state, notices } = decodeUrlState('?backend=cpu&debug=1');
    expect(state).toEqual({ ...DEFAULT_URL_STATE, settings: { ...DEFAULT_URL_STATE.settings, backend: 'cpu' }, extras: { debug: '1' } });
    expect(notices).toEqual([]);
    expect(decodeUrlState('').state).toEqual(DEFAULT_URL_STATE);
  });

  it('reads a link from a newer version as far as it can, with a notice', () => {
    const { state, notices } = decodeUrlState('?v=7&seed=5');
    expect(state.settings.seed).toBe(5);
    expect(notices).toEqual(['link version 7 is newer than this page (version 1): reading what it understands']);
  });

  it('round-trips instructor flags, a lesson and a paper experiment, in canonical order', () => {
    const state: UrlState = {
      ...DEFAULT_URL_STATE,
      settings: { ...DEFAULT_URL_STATE.settings, model: 'gpt2', init: 'pretrained', groups: ['output', 'layernorm'] },
      instructor: { hide: ['backend', 'adapters'], lock: ['task', 'backbone', 'lr'] },
      lesson: 'bit-xor-attention',
      preset: 'table19-bit-xor-layernorm',
    };
    const search = encodeUrlState(state);
    expect(search).toBe(
      'v=1&task=bit-xor&bits=5&bb=gpt2&g=output,layernorm&lr=0.003&seed=0&batch=16&speed=5&layer=0&backend=auto&hide=backend,adapters&lock=task,backbone,lr&lesson=bit-xor-attention&preset=table19-bit-xor-layernorm',
    );
    expect(decodeUrlState(`?${search}`)).toEqual({ state, notices: [] });
    // Any order and repeats in a hand-written link come back canonical.
    expect(decodeUrlState('?v=1&lock=lr,task,lr&hide=adapters,backend').state.instructor).toEqual({ hide: ['backend', 'adapters'], lock: ['task', 'lr'] });
  });

  it('drops unknown control names, lessons and experiments with a notice; hidden wins over locked', () => {
    const { state, notices } = decodeUrlState('?v=1&hide=backend,sliders&lock=task,backend,colour,fonts&lesson=quantum&preset=table99');
    expect(state.instructor).toEqual({ hide: ['backend'], lock: ['task'] });
    expect(state.lesson).toBeNull();
    expect(state.preset).toBeNull();
    expect(notices).toEqual([
      'cannot hide unknown control "sliders": ignored (known: task, backbone, lr, batch, seed, groups, speed, backend, layer, presets, adapters)',
      'cannot lock unknown controls "colour", "fonts": ignored (known: task, backbone, lr, batch, seed, groups, speed, backend, layer, presets, adapters)',
      'backend is both hidden and locked: hiding it',
      'lesson "quantum" is not known: no lesson opened (known: bit-xor-attention, pretrained-vs-random)',
      'paper experiment "table99" is not known: no paper experiment loaded',
    ]);
    expect(encodeUrlState(state)).toContain('&hide=backend&lock=task');
  });

  it('keeps a paper experiment only while the link has its settings', () => {
    expect(decodeUrlState('?v=1&task=bit-xor&bb=tiny&g=output&preset=table19-bit-xor-output')).toEqual({
      state: { ...DEFAULT_URL_STATE, settings: { ...DEFAULT_URL_STATE.settings, model: 'tiny-gpt2', groups: ['output'] }, preset: 'table19-bit-xor-output' },
      notices: [],
    });
    const { state, notices } = decodeUrlState('?v=1&task=mnist&g=output&preset=table19-bit-xor-output');
    expect(state.preset).toBeNull();
    expect(notices).toEqual(['paper experiment "table19-bit-xor-output" does not match the link\'s task, backbone and groups: not using it']);
  });

  it('reads an empty hide, lock or lesson as none', () => {
    expect(decodeUrlState('?v=1&hide=&lock=&lesson=')).toEqual({ state: DEFAULT_URL_STATE, notices: [] });
  });

  it('clamps seeds to 32 bits with a notice: a larger one would alias a smaller one (issue 11)', () => {
    const { state, notices } = decodeUrlState('?v=1&seed=4294967296');
    expect(state.settings.seed).toBe(4294967295);
    expect(notices).toEqual(['seed 4294967296 is above 4294967295: using 4294967295']);
    expect(decodeUrlState('?v=1&seed=4294967295')).toEqual({
      state: { ...DEFAULT_URL_STATE, settings: { ...DEFAULT_URL_STATE.settings, seed: 4294967295 } },
      notices: [],
    });
  });

  it('cuts megabyte-long values in notices (issue 11)', () => {
    const long = 'x'.repeat(1_000_000);
    const { notices } = decodeUrlState(
      `?v=1&task=${long}&lr=${long}&g=${Array.from({ length: 1000 }, (_, i) => `g${i}`).join(',')}&hide=${long}&lesson=${long}&bb=${long}`,
    );
    expect(notices).toEqual([
      `backbone "${'x'.repeat(40)}…" (1000000 characters) is not one of mini-brown, mini-brown-random, mini-brown-statistics, tiny, tiny-random, gpt2, gpt2-random, gpt2-statistics, pretrained-here: using tiny`,
      `task "${'x'.repeat(40)}…" (1000000 characters) is not one of bit-xor, bit-memory, listops, mnist, cifar10, cifar10-lra: using bit-xor`,
      `learning rate "${'x'.repeat(40)}…" (1000000 characters) is not a number: using 0.003`,
      'unknown parameter groups "g0", "g1", "g2", "g3", "g4" and 995 more ignored (known: input, output, positions, layernorm, attention, feedforward)',
      `cannot hide unknown control "${'x'.repeat(40)}…" (1000000 characters): ignored (known: task, backbone, lr, batch, seed, groups, speed, backend, layer, presets, adapters)`,
      `lesson "${'x'.repeat(40)}…" (1000000 characters) is not known: no lesson opened (known: bit-xor-attention, pretrained-vs-random)`,
    ]);
  });
});
