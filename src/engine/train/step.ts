import type { SequenceModel } from '../model';
import { tf } from '../tf';
import type { FusedAdam } from './fused-adam';

export interface StepResult {
  loss: tf.Scalar;
  gradNorm: tf.Scalar;
}

/** Gradients of the loss for the trainable parameters only, keyed by parameter name. */
export function trainableGradients(
  model: SequenceModel,
  x: tf.Tensor,
  labels: tf.Tensor1D,
  dropoutSeed: number,
): { loss: tf.Scalar; grads: Map<string, tf.Tensor> } {
  const varList = model.trainableNames().map((n) => model.params.get(n)!);
  if (varList.length === 0) throw new Error('no parameter group is trainable: enable at least one');
  const { value, grads } = tf.variableGrads(() => model.loss(x, labels, { training: true, dropoutSeed }), varList);
  const byName = new Map(Object.entries(grads).map(([varName, g]) => [model.paramNameOf.get(varName)!, g]));
  return { loss: value, grads: byName };
}

/**
 * One training step: loss and gradients of the trainable groups, global-norm clipping, Adam.
 * The returned scalars stay on the device; read them when a number is needed.
 */
export function trainStep(
  model: SequenceModel,
  adam: FusedAdam,
  x: tf.Tensor,
  labels: tf.Tensor1D,
  opts: { dropoutSeed: number; maxGradNorm: number },
): StepResult {
  return tf.tidy(() => {
    const { loss, grads } = trainableGradients(model, x, labels, opts.dropoutSeed);
    return { loss, gradNorm: adam.step(model.params, grads, opts.maxGradNorm) };
  });
}
