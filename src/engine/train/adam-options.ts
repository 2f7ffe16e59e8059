/**
 * Adam's hyperparameters and the paper's values, apart from adam.ts so that modules which only need
 * the numbers (the run defaults in settings.ts, which the page's main thread reads) do not import
 * TF.js: the page keeps TF.js in its workers.
 */
export interface AdamOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
}

/** The paper's settings; eps is PyTorch's 1e-8, not TF.js's 1e-7. */
export const PAPER_ADAM: AdamOptions = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
