import { describe, expect, it } from 'vitest';
import { DEFAULT_URL_STATE, decodeUrlState } from '../url-state';
import { combineFlags, controlMode, encodeControlList, hasFlags, NO_FLAGS, parseControlList } from './controls';
import { flagsFromChoices, instructorLink, lessonBlockers } from './link';

describe('instructor flags', () => {
  it('parses control lists into canonical order, dropping unknown names with one notice', () => {
    const notices: string[] = [];
    expect(parseControlList('adapters, seed,task,seed,,wallpaper', 'hide', notices)).toEqual(['task', 'seed', 'adapters']);
    expect(notices).toEqual([
      'cannot hide unknown control "wallpaper": ignored (known: task, backbone, lr, batch, seed, groups, speed, backend, layer, presets, adapters)',
    ]);
    expect(encodeControlList(['adapters', 'task'])).toBe('task,adapters');
  });

  it('says whether each control is shown, locked or hidden; hidden wins', () => {
    const notices: string[] = [];
    const flags = combineFlags(['backend'], ['backend', 'lr', 'task'], notices);
    expect(flags).toEqual({ hide: ['backend'], lock: ['lr', 'task'] });
    expect(notices).toEqual(['backend is both hidden and locked: hiding it']);
    expect([controlMode(flags, 'backend'), controlMode(flags, 'lr'), controlMode(flags, 'groups')]).toEqual(['hidden', 'locked', 'shown']);
    expect([hasFlags(flags), hasFlags(NO_FLAGS)]).toEqual([true, false]);
  });
});

describe('instructor link builder', () => {
  it('writes the page settings with the chosen flags and lesson, without e2e extras, and reads back the same', () => {
    const flags = flagsFromChoices({ groups: 'shown', task: 'locked', backbone: 'locked', backend: 'hidden', adapters: 'hidden' });
    expect(flags).toEqual({ hide: ['backend', 'adapters'], lock: ['task', 'backbone'] });
    const state = { ...DEFAULT_URL_STATE, settings: { ...DEFAULT_URL_STATE.settings, seed: 7 }, extras: { debug: '1' } };
    const link = instructorLink('http://class.example:5173/?v=1&debug=1#top', state, flags, 'bit-xor-attention');
    expect(link).toBe(
      'http://class.example:5173/?v=1&task=bit-xor&bits=5&bb=tiny&g=input,output,positions,layernorm,attention,feedforward&lr=0.003&seed=7&batch=16&speed=5&layer=0&backend=auto&hide=backend,adapters&lock=task,backbone&lesson=bit-xor-attention',
    );
    expect(decodeUrlState(new URL(link).search)).toEqual({ state: { ...state, instructor: flags, lesson: 'bit-xor-attention', extras: {} }, notices: [] });
  });

  it('warns when the lesson needs a control the link hides or locks', () => {
    expect(lessonBlockers({ hide: ['layer'], lock: ['groups'] }, 'bit-xor-attention')).toEqual([
      'The lesson asks students to use Parameter groups (What trains), which this link locks.',
      'The lesson asks students to use Attention layer, which this link hides.',
    ]);
    expect(lessonBlockers({ hide: [], lock: ['task', 'backbone', 'lr', 'batch', 'seed', 'speed', 'backend'] }, 'bit-xor-attention')).toEqual([]);
    expect(lessonBlockers({ hide: ['presets'], lock: [] }, 'pretrained-vs-random')).toEqual([
      'The lesson asks students to use Paper experiments, which this link hides.',
    ]);
    expect(lessonBlockers({ hide: ['presets'], lock: [] }, null)).toEqual([]);
  });
});
