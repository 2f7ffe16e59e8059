/**
 * The engine's registered TF.js kernels, in one list (see README.md for when a kernel is registered
 * rather than run as a program). backend.ts calls registerKernels() when the WebGPU backend starts;
 * importing a kernel's file registers nothing.
 */
import { tf } from '../tf';
import { columnSumKernel } from './column-sum';
import { fusedMatmulKernel } from './matmul-program';
import { unpackFp16Kernel } from './packed-fp16';

export const KERNELS: readonly tf.KernelConfig[] = [fusedMatmulKernel, unpackFp16Kernel, columnSumKernel];

/** Registers every kernel of KERNELS that is not registered yet (idempotent). */
export function registerKernels(): void {
  for (const kernel of KERNELS) if (!tf.getKernel(kernel.kernelName, kernel.backendName)) tf.registerKernel(kernel);
}
