import type { Trainer } from './trainer';

/** One evaluation of a run: the mean train loss since the previous one, and held-out loss and accuracy. */
export interface CurvePoint {
  step: number;
  train_loss: number;
  test_acc: number;
  test_loss: number;
}

export interface TrainingLoopOptions {
  steps: number;
  evalEvery: number;
  /** One optimisation step resolving to its loss (default: the trainer's own; the cached-features head passes its own). */
  step?: () => Promise<number>;
  onEvaluation?: (point: CurvePoint) => void;
}

/** Trains for `steps` steps, evaluating every `evalEvery` steps and after the last; returns the curve. */
export async function runTrainingLoop(trainer: Trainer, opts: TrainingLoopOptions): Promise<CurvePoint[]> {
  const step = opts.step ?? (() => trainer.step());
  const curve: CurvePoint[] = [];
  let lossSum = 0;
  let lossCount = 0;
  for (let s = 1; s <= opts.steps; s++) {
    lossSum += await step();
    lossCount++;
    if (s % opts.evalEvery === 0 || s === opts.steps) {
      const ev = await trainer.evaluate();
      const point = { step: s, train_loss: lossSum / lossCount, test_acc: ev.accuracy, test_loss: ev.loss };
      curve.push(point);
      opts.onEvaluation?.(point);
      lossSum = 0;
      lossCount = 0;
    }
  }
  return curve;
}
