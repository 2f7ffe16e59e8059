import { describe, expect, it } from 'vitest';
import { tf } from '../tf';
import { KERNELS, registerKernels } from './index';
import { matmul } from './matmul';
import { PackedFp16Matrix } from './packed-fp16';

describe('registerKernels', () => {
  it('is the one place kernels are registered: importing their files registers nothing, the call registers each once', () => {
    expect(typeof matmul).toBe('function');
    expect(typeof PackedFp16Matrix).toBe('function');
    expect(KERNELS.map((k) => `${k.kernelName}/${k.backendName}`)).toEqual(['FptFusedMatmul/webgpu', 'FptUnpackFp16/webgpu', 'FptColumnSum/webgpu']);
    for (const k of KERNELS) expect(tf.getKernel(k.kernelName, k.backendName), k.kernelName).toBeUndefined();
    registerKernels();
    registerKernels();
    for (const k of KERNELS) expect(tf.getKernel(k.kernelName, k.backendName)?.kernelFunc, k.kernelName).toBe(k.kernelFunc);
  });
});
