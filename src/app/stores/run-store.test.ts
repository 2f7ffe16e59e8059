import { describe, expect, it } from 'vitest';
import { EMPTY_RUN, resetRun, useRun } from './run-store';

describe('the run store', () => {
  it('a reset puts back every field of EMPTY_RUN and keeps nothing of the last run', () => {
    useRun.setState({
      phase: 'ready',
      running: true,
      points: [{ step: 3, trainLoss: 0.5 }],
      warnings: ['slow'],
      lastUpdated: ['out.bias'],
      msPerStep: 12,
      announcement: 'Step 3',
    });
    resetRun();
    expect(useRun.getState()).toEqual(EMPTY_RUN);
    expect(Object.keys(useRun.getState()).sort()).toEqual(Object.keys(EMPTY_RUN).sort());
  });
});
