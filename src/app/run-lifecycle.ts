/**
 * The stores' side of a run starting afresh, without the worker (training-client.ts adds that): the
 * live run ends in the Runs list with the curve it reached, the run store goes back to EMPTY_RUN,
 * and a new live record begins with the current settings.
 */
import { endLiveRun, startLiveRun } from './runs/runs-store';
import { resetRun, useRun } from './stores/run-store';
import { useSettings } from './stores/settings-store';

export function beginFreshRun(): void {
  const { points, metric } = useRun.getState();
  endLiveRun(points, metric);
  resetRun();
  startLiveRun(useSettings.getState().settings, metric);
}
