/**
 * What training measures, in one shape for every consumer: the page's charts (through the worker's
 * `metrics` messages), the CLI's evaluation lines and the sweeps' curves.
 */
import { tf } from '../tf';

/** What one optimisation step measured. */
export interface StepMetrics {
  /** The training batch's mean cross-entropy (dropout on). */
  loss: number;
  /** Global L2 norm of the trainable parameters' gradients before clipping (clip.ts). */
  gradNorm: number;
}

/**
 * One point of a run's curves. A training step carries `trainLoss` and `gradNorm`; an evaluation
 * carries `testAccuracy` and `testLoss`; a point can be both (the last step before an evaluation).
 */
export interface MetricsPoint {
  step: number;
  /** Absent on the evaluation that opens a run (no training step has been taken). */
  trainLoss?: number;
  /** Absent where no training step was taken, as trainLoss. */
  gradNorm?: number;
  /** Present on evaluation steps. */
  testAccuracy?: number;
  testLoss?: number;
}

/** A point of runTrainingLoop's curve: every field measured. */
export type EvaluatedPoint = Required<MetricsPoint>;

/**
 * Reads a step's loss and gradient norm back from the device in one read (one wait for the GPU, not
 * two), and disposes both scalars.
 */
export async function readStepMetrics(loss: tf.Scalar, gradNorm: tf.Scalar): Promise<StepMetrics> {
  const both = tf.stack([loss, gradNorm]);
  const [lossValue, normValue] = await both.data();
  tf.dispose([both, loss, gradNorm]);
  return { loss: lossValue, gradNorm: normValue };
}
