/**
 * The charts' colours, Okabe-Ito (distinguishable with the common forms of colour blindness): one
 * module for the live run, the baseline and both kinds of overlaid curve (sweep results and kept runs).
 */
/** The live run's test accuracy (and its swatch in the Runs table). */
export const LIVE_COLOUR = '#E69F00';
/** The live run's training loss. */
export const LOSS_COLOUR = '#0072B2';
/** The paper's reference line. */
export const REFERENCE_COLOUR = '#555555';
/** The pinned baseline run, drawn thicker and dashed. */
export const BASELINE_COLOUR = '#000000';
/** Overlaid curves: every Okabe-Ito colour but the live run's, the loss's and the baseline's. */
export const OVERLAY_COLOURS = ['#009E73', '#CC79A7', '#D55E00', '#56B4E9', '#F0E442'];

/**
 * The colour of the `index`th overlaid curve. Sweep overlays take indices 0… and kept runs continue
 * after them, so the two kinds never share a colour until the palette runs out and wraps.
 */
export function overlayColour(index: number): string {
  return OVERLAY_COLOURS[index % OVERLAY_COLOURS.length];
}

/** The live run's test loss (beside its training loss). */
export const TEST_LOSS_COLOUR = '#D55E00';
/** The gradient norm of each training step. */
export const GRAD_NORM_COLOUR = '#009E73';
