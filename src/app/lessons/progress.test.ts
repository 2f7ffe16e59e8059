import { describe, expect, it } from 'vitest';
import { FPT_DEFAULT_GROUPS, type GroupName } from '../../engine/groups';
import { DEFAULT_SETTINGS } from '../settings';
import { BIT_XOR_ATTENTION, LESSONS, PRETRAINED_VS_RANDOM } from './lessons';
import { advance, isComplete, NO_PROGRESS, stepStatus, trainedSoFar, type LessonProgress } from './progress';
import type { Lesson, LessonSnapshot } from './types';

/** A page on Bit XOR, tiny backbone, FPT groups, run built, nothing trained. */
const page = (patch: Partial<LessonSnapshot> = {}, groups?: GroupName[]): LessonSnapshot => ({
  settings: { ...DEFAULT_SETTINGS, ...(groups ? { groups } : {}) },
  ready: true,
  step: 0,
  accuracy: 0.5,
  attentionLayer: 0,
  layers: 2,
  compareWithStart: false,
  ...patch,
});

function run(lesson: Lesson, states: LessonSnapshot[]): LessonProgress {
  return states.reduce((p, s) => advance(lesson, p, s), NO_PROGRESS);
}

describe('Bit XOR attention lesson', () => {
  const lesson = BIT_XOR_ATTENTION;

  it('does not tick anything on the default page', () => {
    expect(advance(lesson, NO_PROGRESS, page())).toBe(NO_PROGRESS);
  });

  it('ticks "output head only" after 10 steps trained with only the output head', () => {
    let p = advance(lesson, NO_PROGRESS, page({ step: 4 }, ['output']));
    expect(p).toEqual({ done: 0, since: 4 });
    expect(trainedSoFar(lesson.steps[0], p, page({ step: 9 }, ['output']))).toBe(5);
    p = advance(lesson, p, page({ step: 13 }, ['output']));
    expect(p.done).toBe(0);
    p = advance(lesson, p, page({ step: 14 }, ['output']));
    expect(p).toEqual({ done: 1, since: null });
    expect([stepStatus(p, 0), stepStatus(p, 1), stepStatus(p, 2)]).toEqual(['done', 'current', 'todo']);
  });

  it('counts again when the condition breaks or the run restarts, and not while loading or on another task', () => {
    const s0 = run(lesson, [page({ step: 0 }, ['output']), page({ step: 6 }, ['output'])]);
    expect(s0).toEqual({ done: 0, since: 0 });
    // Ticking input back on breaks the condition; unticking it starts a new count at that step.
    expect(
      run(lesson, [page({ step: 6 }, ['output']), page({ step: 8 }, ['output', 'input']), page({ step: 8 }, ['output']), page({ step: 17 }, ['output'])]),
    ).toEqual({ done: 0, since: 8 });
    // Reset: steps go back to 0, the count starts there.
    expect(advance(lesson, { done: 0, since: 6 }, page({ step: 0 }, ['output']))).toEqual({ done: 0, since: 0 });
    expect(advance(lesson, NO_PROGRESS, page({ ready: false }, ['output']))).toBe(NO_PROGRESS);
    expect(advance(lesson, NO_PROGRESS, page({ settings: { ...DEFAULT_SETTINGS, task: 'mnist', groups: ['output'] } }))).toBe(NO_PROGRESS);
  });

  it('runs through to the end; ticked steps stay ticked when the groups change', () => {
    const p = run(lesson, [
      page({ step: 0 }, ['output']),
      page({ step: 10 }, ['output']), // step 1 done
      page({ step: 10 }, ['output', 'layernorm']),
      page({ step: 20 }, ['output', 'layernorm']), // step 2 done
      page({ step: 20 }, ['input', 'output', 'positions', 'layernorm']),
      page({ step: 30 }, ['input', 'output', 'positions', 'layernorm']), // step 3 done
    ]);
    expect(p).toEqual({ done: 3, since: null });
    const compared = advance(lesson, p, page({ step: 30, compareWithStart: true }));
    expect(compared.done).toBe(4);
    expect(advance(lesson, compared, page({ step: 31, compareWithStart: true, attentionLayer: 1 }))).toEqual({ done: 5, since: null });
    expect(isComplete(lesson, { done: 5, since: null })).toBe(true);
  });

  it('does not tick "compare with step 0" on another layer, nor "a deeper layer" on a one-layer model', () => {
    expect(advance(lesson, { done: 3, since: null }, page({ compareWithStart: true, attentionLayer: 1 })).done).toBe(3);
    expect(advance(lesson, { done: 4, since: null }, page({ attentionLayer: null, layers: 1 })).done).toBe(4);
  });
});

describe('pretrained vs random lesson', () => {
  const lesson = PRETRAINED_VS_RANDOM;
  const gpt2 = (init: 'pretrained' | 'random', patch: Partial<LessonSnapshot> = {}, task: 'bit-xor' | 'mnist' = 'bit-xor') =>
    page({ settings: { ...DEFAULT_SETTINGS, model: 'gpt2', init, task, groups: [...FPT_DEFAULT_GROUPS] }, ...patch });

  it('needs GPT-2 small: the tiny checkpoint and a failed download do not count', () => {
    expect(advance(lesson, NO_PROGRESS, page())).toBe(NO_PROGRESS);
    expect(advance(lesson, NO_PROGRESS, gpt2('pretrained', { ready: false }))).toBe(NO_PROGRESS);
    expect(advance(lesson, NO_PROGRESS, gpt2('pretrained'))).toEqual({ done: 1, since: 0 });
  });

  it('asks for 500 steps on each body and 200 on MNIST random', () => {
    const p = run(lesson, [gpt2('pretrained'), gpt2('pretrained', { step: 499 })]);
    expect(p).toEqual({ done: 1, since: 0 });
    // Steps trained before the lesson reached this step do not count.
    expect(run(lesson, [gpt2('pretrained', { step: 500 })])).toEqual({ done: 1, since: 500 });
    const r = run(lesson, [
      gpt2('pretrained'),
      gpt2('pretrained', { step: 500 }),
      gpt2('random'),
      gpt2('random', { step: 500 }),
      gpt2('random', {}, 'mnist'),
      gpt2('random', { step: 200 }, 'mnist'),
    ]);
    expect(r).toEqual({ done: 4, since: null });
    expect(isComplete(lesson, r)).toBe(true);
  });
});

describe('every lesson', () => {
  it('has a task and a one- or two-sentence why for each step, and names its controls', () => {
    for (const lesson of LESSONS) {
      expect(lesson.uses.length).toBeGreaterThan(0);
      for (const step of lesson.steps) {
        expect(step.task.length).toBeGreaterThan(10);
        const sentences = step.why.split(/(?<=[.!?])\s+(?=[A-Z])/).length;
        expect([step.id, sentences <= 2]).toEqual([step.id, true]);
      }
    }
  });
});
