import { checkRange, LIMITS } from './limits';
import type { EvaluatedPoint, StepMetrics } from './metrics';
import type { Trainer } from './trainer';

export interface TrainingLoopOptions {
  steps: number;
  evalEvery: number;
  /** One optimisation step resolving to what it measured (default: the trainer's own; the cached-features head passes its own). */
  step?: () => Promise<StepMetrics>;
  onEvaluation?: (point: EvaluatedPoint) => void;
}

/**
 * Trains for `steps` steps, evaluating every `evalEvery` steps and after the last; returns the curve:
 * one point per evaluation, its trainLoss and gradNorm the means over the steps since the previous one.
 */
export async function runTrainingLoop(trainer: Trainer, opts: TrainingLoopOptions): Promise<EvaluatedPoint[]> {
  checkRange('training loop steps', opts.steps, LIMITS.steps);
  checkRange('training loop evalEvery', opts.evalEvery, LIMITS.evalEvery);
  const step = opts.step ?? (() => trainer.step());
  const curve: EvaluatedPoint[] = [];
  let lossSum = 0;
  let normSum = 0;
  let count = 0;
  for (let s = 1; s <= opts.steps; s++) {
    const measured = await step();
    lossSum += measured.loss;
    normSum += measured.gradNorm;
    count++;
    if (s % opts.evalEvery === 0 || s === opts.steps) {
      const ev = await trainer.evaluate();
      const point = { step: s, trainLoss: lossSum / count, gradNorm: normSum / count, testAccuracy: ev.accuracy, testLoss: ev.loss };
      curve.push(point);
      opts.onEvaluation?.(point);
      lossSum = 0;
      normSum = 0;
      count = 0;
    }
  }
  return curve;
}
