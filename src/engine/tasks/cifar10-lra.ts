import { CIFAR_PLANE, type CifarSplits } from './cifar-binary';
import { augmentCifarImage, cifarTask, drawCifarAugmentation, loadCifarSplits } from './cifar10';
import type { Task, TaskDefinition } from './task';

/** Grayscale weights of torchvision's Grayscale (ITU-R 601-2 luma). */
export const GRAY_WEIGHTS = [0.2989, 0.587, 0.114] as const;

/** Writes one planar RGB byte image as 1024 grayscale values in [-1, 1], pixels row-major. */
export function grayscaleCifar(pixels: ArrayLike<number>, out: Float32Array, offset = 0): void {
  for (let p = 0; p < CIFAR_PLANE; p++) {
    const gray = GRAY_WEIGHTS[0] * pixels[p] + GRAY_WEIGHTS[1] * pixels[CIFAR_PLANE + p] + GRAY_WEIGHTS[2] * pixels[2 * CIFAR_PLANE + p];
    out[offset + p] = (gray / 255) * 2 - 1;
  }
}

export interface Cifar10LraOptions {
  /**
   * Train-split augmentation as the paper's code applies it to grayscale CIFAR-10 (after Grayscale:
   * pad-4 random crop, horizontal flip, rotation ≤ 20°, zero fill, then the [-1, 1] scaling). Off by
   * default, as in the LRA benchmark (Tay et al. 2020), whose numbers the paper compares against;
   * the paper's code turns it on (data_aug=True).
   */
  augment?: boolean;
}

/** CIFAR-10 in the LRA layout: 1024 grayscale pixels, one per token; shuffled epochs; augmentation optional (off). */
export function createCifar10LraTask(data: CifarSplits, options: Cifar10LraOptions = {}): Task {
  const augment = options.augment ?? false;
  // Augmentation works on planar [0,1] RGB images: the gray plane is copied into all three.
  const gray3 = new Float32Array(3 * CIFAR_PLANE);
  const augmented = new Float32Array(3 * CIFAR_PLANE);
  return cifarTask('cifar10-lra', { seqLen: CIFAR_PLANE, dim: 1 }, data, (records, rng) => (i, x, offset) => {
    grayscaleCifar(records.pixels(i), x, offset);
    if (augment && rng) {
      for (let p = 0; p < CIFAR_PLANE; p++) gray3[p] = gray3[CIFAR_PLANE + p] = gray3[2 * CIFAR_PLANE + p] = (x[offset + p] + 1) / 2;
      augmentCifarImage(gray3, drawCifarAugmentation(rng), augmented);
      for (let p = 0; p < CIFAR_PLANE; p++) x[offset + p] = augmented[p] * 2 - 1;
    }
    return records.label(i);
  });
}

export const CIFAR10_LRA: TaskDefinition<'cifar10-lra'> = {
  name: 'cifar10-lra',
  label: 'CIFAR-10 LRA',
  choiceLabel: 'CIFAR-10 LRA (grey, 1024 tokens)',
  paperName: 'CIFAR-10 LRA',
  inputKind: 'vector',
  // Table 1's number is the LRA paper's 3-layer transformer.
  fromScratchLayers: 3,
  create: async (options) => createCifar10LraTask(await loadCifarSplits(options, 'cifar10-lra'), options.cifar10Lra),
};
