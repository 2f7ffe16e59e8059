import { describe, expect, it } from 'vitest';
import type { MetricsPoint, RunSettings } from '../../worker/protocol';
import {
  appendPoints,
  autoRunName,
  deltaFromBaseline,
  finalAccuracy,
  groupsLabel,
  hasTrained,
  linkStatesRunSettings,
  pointsUpTo,
  restoreDecision,
  stepsToReach,
  summarize,
  uniqueName,
  type RunRecord,
} from './run-history';
import { BASELINE_COLOUR, LIVE_COLOUR, OVERLAY_COLOURS } from '../palette';
import { colourOf, runLines } from './run-lines';
import { bitXorSettings } from './test-support';

const SETTINGS = bitXorSettings(['output', 'layernorm']);

/** An evaluation every 10 steps, a training loss every step in between (as the worker sends them). */
function curve(accuracies: number[]): MetricsPoint[] {
  const points: MetricsPoint[] = [{ step: 0, testAccuracy: accuracies[0], testLoss: 1 }];
  for (let i = 1; i < accuracies.length; i++) {
    for (let s = 10 * (i - 1) + 1; s < 10 * i; s++) points.push({ step: s, trainLoss: 1 / s });
    points.push({ step: 10 * i, trainLoss: 1 / (10 * i), testAccuracy: accuracies[i], testLoss: 0.5 });
  }
  return points;
}

describe('steps to reach an accuracy', () => {
  const points = curve([0.5, 0.62, 0.88, 0.9, 0.97, 1, 0.99]);

  it('is the first evaluated step at or above the threshold', () => {
    expect(stepsToReach(points, 0.9)).toBe(30);
    expect(stepsToReach(points, 0.95)).toBe(40);
    expect(stepsToReach(points, 1)).toBe(50);
    expect(stepsToReach(points, 0.5)).toBe(0);
  });

  it('is null when no evaluation got there, and ignores training-only points', () => {
    expect(stepsToReach(curve([0.5, 0.7, 0.89]), 0.9)).toBeNull();
    expect(stepsToReach([{ step: 3, trainLoss: 0.1 }], 0)).toBeNull();
  });

  it('counts a mean of batches that rounds just below 1 as 100%', () => {
    expect(
      stepsToReach(
        [
          {
            step: 7,
            testAccuracy: Array(7)
              .fill(1)
              .reduce((a: number, b: number) => a + b / 7, 0),
          },
        ],
        1,
      ),
    ).toBe(7);
    expect(stepsToReach([{ step: 7, testAccuracy: 0.999 }], 1)).toBeNull();
  });

  it('summarises a run: steps, final accuracy (even after a drop), 90% and 100%', () => {
    expect(summarize(points)).toEqual({ steps: 60, finalAccuracy: 0.99, stepsTo90: 30, stepsTo100: 50 });
    expect(summarize([])).toEqual({ steps: 0, finalAccuracy: null, stepsTo90: null, stepsTo100: null });
    expect(finalAccuracy([...points, { step: 61, trainLoss: 0.01 }])).toBe(0.99);
  });

  it('gives the differences from a baseline, null where either never got there', () => {
    const baseline = summarize(curve([0.5, 0.6, 0.7, 0.8, 0.9, 0.95]));
    const run = summarize(points);
    const delta = deltaFromBaseline(run, baseline);
    expect(delta.accuracy).toBeCloseTo(4, 10);
    expect(delta.stepsTo90).toBe(30 - 40);
    expect(delta.stepsTo100).toBeNull();
  });
});

describe('run names', () => {
  it('names a run after its task, backbone, groups, learning rate and seed', () => {
    expect(autoRunName(SETTINGS)).toBe('Bit XOR 5 · tiny random · out+ln · lr 0.003 · seed 0');
    expect(
      autoRunName({
        ...SETTINGS,
        task: 'listops',
        model: 'gpt2',
        init: 'pretrained',
        groups: ['input', 'output', 'positions', 'layernorm'],
        lr: 0.001,
        batchSize: 8,
        seed: 3,
      }),
    ).toBe('ListOps · gpt2 pretrained · in+out+pos+ln · lr 0.001 · batch 8 · seed 3');
    // The tiny checkpoint's own weights are random: never "pretrained" in a name.
    expect(autoRunName({ ...SETTINGS, init: 'pretrained' })).toBe('Bit XOR 5 · random test model · out+ln · lr 0.003 · seed 0');
    expect(autoRunName({ ...SETTINGS, model: 'mini-brown-gpt2', init: 'pretrained' })).toBe('Bit XOR 5 · mini-brown pretrained · out+ln · lr 0.003 · seed 0');
    expect(groupsLabel(['input', 'output', 'positions', 'layernorm', 'attention', 'feedforward'])).toBe('all');
    expect(groupsLabel([])).toBe('none');
  });

  it('numbers repeated names', () => {
    expect(uniqueName('a', [])).toBe('a');
    expect(uniqueName('a', ['a', 'a (2)', 'b'])).toBe('a (3)');
  });
});

describe('restoring on page load', () => {
  it('tells links that state run settings from bare ones', () => {
    expect(linkStatesRunSettings('')).toBe(false);
    expect(linkStatesRunSettings('?speed=5&layer=1&debug=1')).toBe(false);
    expect(linkStatesRunSettings('?seed=3')).toBe(true);
    expect(linkStatesRunSettings('?v=1&bb=tiny-random')).toBe(true);
  });

  it('restores the saved settings for a bare link, the same run with the link’s lr and groups, and never another run', () => {
    const defaults: RunSettings = { ...SETTINGS, init: 'pretrained', lr: 0.001, groups: ['input', 'output', 'positions', 'layernorm'] };
    expect(restoreDecision(SETTINGS, defaults, false)).toEqual({ restore: true, settings: SETTINGS });
    const sameRunOtherLr = { ...SETTINGS, lr: 0.01, groups: ['output' as const] };
    expect(restoreDecision(SETTINGS, sameRunOtherLr, true)).toEqual({ restore: true, settings: sameRunOtherLr });
    expect(restoreDecision(SETTINGS, { ...SETTINGS, seed: 5 }, true)).toEqual({ restore: false });
    expect(restoreDecision(SETTINGS, defaults, true)).toEqual({ restore: false });
  });

  it('cuts the curve at the snapshot and merges the evaluation a resumed run repeats', () => {
    const points = curve([0.5, 0.7, 0.8]);
    const upTo = pointsUpTo(points, 13);
    expect(upTo.at(-1)!.step).toBe(13);
    expect(upTo).toHaveLength(14);
    const resumed = appendPoints(upTo, [{ step: 13, testAccuracy: 0.75, testLoss: 0.6 }]);
    expect(resumed).toHaveLength(14);
    expect(resumed.at(-1)).toEqual({ step: 13, trainLoss: 1 / 13, testAccuracy: 0.75, testLoss: 0.6 });
    expect(
      appendPoints(resumed, [{ step: 14, trainLoss: 0.1 }])
        .map((p) => p.step)
        .slice(-2),
    ).toEqual([13, 14]);
    expect(appendPoints([], [{ step: 0, testAccuracy: 0.5 }])).toEqual([{ step: 0, testAccuracy: 0.5 }]);
    expect(hasTrained([{ step: 0, testAccuracy: 0.5 }])).toBe(false);
    expect(hasTrained(upTo)).toBe(true);
    expect(hasTrained([])).toBe(false);
  });

  it('summarizes a curve far longer than a spread of arguments allows', () => {
    const long: MetricsPoint[] = Array.from({ length: 300_000 }, (_, i) => ({ step: i, ...(i ? { trainLoss: 1 / i } : { testAccuracy: 0.5 }) }));
    expect(summarize(long).steps).toBe(299_999);
    expect(summarize([]).steps).toBe(0);
  });
});

describe('which runs the charts draw', () => {
  const record = (id: string, points: MetricsPoint[]): RunRecord => ({
    id,
    name: `run ${id}`,
    renamed: false,
    settings: SETTINGS,
    metric: 'accuracy',
    points,
    createdAt: 0,
    updatedAt: 0,
  });
  const runs = [record('a', curve([0.5, 1])), record('b', curve([0.5, 0.6])), record('c', []), record('live', curve([0.5]))];

  it('draws the baseline first, then the ticked runs, never the live one, in fixed colours', () => {
    const lines = runLines({ runs, liveId: 'live', shown: ['b', 'live', 'a'], baselineId: 'c' });
    expect(lines.map((l) => [l.id, l.colour, l.baseline])).toEqual([
      ['c', BASELINE_COLOUR, true],
      ['b', OVERLAY_COLOURS[0], false],
      ['a', OVERLAY_COLOURS[1], false],
    ]);
    // Two sweep curves on the chart take the first two overlay colours: kept runs continue after them.
    const withSweeps = runLines({ runs, liveId: 'live', shown: ['b', 'a'], baselineId: 'c', sweepOverlays: 2 });
    expect(withSweeps.map((l) => l.colour)).toEqual([BASELINE_COLOUR, OVERLAY_COLOURS[2], OVERLAY_COLOURS[3]]);
    expect(new Set(OVERLAY_COLOURS).has(BASELINE_COLOUR)).toBe(false);
    expect(lines[1].accuracy).toEqual([
      { step: 0, accuracy: 50 },
      { step: 10, accuracy: 60 },
    ]);
    expect(lines[1].loss).toHaveLength(10);
    expect(colourOf('live', { liveId: 'live', shown: [], baselineId: null })).toBe(LIVE_COLOUR);
    expect(colourOf('a', { liveId: 'live', shown: [], baselineId: null })).toBeNull();
  });
});
