/**
 * Work recorded straight into TF.js's WebGPU command stream, for what a TF.js program cannot express:
 * a kernel that writes several buffers (the fused Adam update, layer norm's two parameter
 * gradients), and buffer-to-buffer copies (gathering many small tensors into one arena without a
 * kernel dispatch each). Only buffers no other tensor can have read yet are written: the arenas the
 * caller owns, and fresh tensors from emptyTensor.
 *
 * This leans on internals of @tensorflow/tfjs-backend-webgpu 4.x (its command encoder, compute pass,
 * tensor map and the set of ids owned by queued commands); recording through the backend's own
 * encoder keeps everything in submission order with the TF.js kernels around it.
 */
import { tf } from '../tf';

interface TensorData {
  resource: GPUBuffer | null;
  /** Values cached on the CPU by a read; stale once a kernel writes the buffer in place. */
  values: unknown;
}

/** The parts of WebGPUBackend this module uses. */
interface WebGpuBackendInternals {
  device: GPUDevice;
  commandEncoder: GPUCommandEncoder | null;
  computePassEncoder: GPUComputePassEncoder | null;
  dispatchCountInPass: number;
  commandQueueOwnedIds: WeakSet<object>;
  tensorMap: { get(dataId: object): TensorData };
  uploadToGPU(dataId: object): void;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
  makeUniforms(uniforms: { type: 'int32' | 'uint32' | 'float32'; data: number[] }[]): GPUBufferBinding;
}

export function isWebGpu(): boolean {
  return tf.getBackend() === 'webgpu';
}

function backend(): WebGpuBackendInternals {
  if (!isWebGpu()) throw new Error('raw WebGPU dispatch needs the webgpu backend');
  return tf.backend() as unknown as WebGpuBackendInternals;
}

const dataIdOf = (t: tf.Tensor) => t.dataId as object;

/** The GPUBuffer behind a tensor (uploaded first if its values are still on the CPU). */
export function bufferOf(t: tf.Tensor): GPUBuffer {
  const b = backend();
  b.uploadToGPU(dataIdOf(t));
  const resource = b.tensorMap.get(dataIdOf(t)).resource;
  if (!resource) throw new Error('tensor has no GPU buffer');
  return resource;
}

/**
 * A float32 tensor with a GPU buffer of its own and no contents yet (no fill dispatch): for a
 * kernel or a copy to write before anything reads it.
 */
export function emptyTensor(shape: number[]): tf.Tensor {
  const b = backend() as unknown as WebGpuBackendInternals & { makeTensorInfo(shape: number[], dtype: 'float32'): tf.TensorInfo };
  const info = b.makeTensorInfo(shape, 'float32');
  b.uploadToGPU(info.dataId);
  return tf.engine().makeTensorFromTensorInfo(info);
}

/** Records copies of `bytes` bytes between tensors' buffers, in order with the TF.js kernels around them. */
export function recordCopies(copies: { from: tf.Tensor; fromByte: number; to: tf.Tensor; toByte: number; bytes: number }[]): void {
  if (copies.length === 0) return;
  const b = backend();
  const buffers = copies.map((c) => [bufferOf(c.from), bufferOf(c.to)] as const);
  b.ensureCommandEncoderReady();
  b.endComputePassEncoder();
  copies.forEach((c, i) => {
    b.commandEncoder!.copyBufferToBuffer(buffers[i][0], c.fromByte, buffers[i][1], c.toByte, c.bytes);
    b.commandQueueOwnedIds.add(dataIdOf(c.from));
    b.commandQueueOwnedIds.add(dataIdOf(c.to));
  });
}

export interface RawKernel {
  pipeline: GPUComputePipeline;
}

const pipelines = new WeakMap<GPUDevice, Map<string, GPUComputePipeline>>();

/** A compute pipeline from WGSL (entry point `main`), compiled once per device and key. */
export function rawKernel(key: string, wgsl: string): RawKernel {
  const { device } = backend();
  let cache = pipelines.get(device);
  if (!cache) pipelines.set(device, (cache = new Map()));
  let pipeline = cache.get(key);
  if (!pipeline) {
    pipeline = device.createComputePipeline({ layout: 'auto', compute: { module: device.createShaderModule({ code: wgsl }), entryPoint: 'main' } });
    cache.set(key, pipeline);
  }
  return { pipeline };
}

/**
 * Records one dispatch of `kernel` with the tensors bound at @binding(0..n-1) in order (the shader
 * decides which are read_write) and, when given, the uniforms at @binding(n).
 */
export function recordDispatch(
  kernel: RawKernel,
  tensors: tf.Tensor[],
  workgroups: [number, number, number],
  uniforms?: { type: 'int32' | 'uint32' | 'float32'; data: number[] }[],
): void {
  const b = backend();
  const entries: GPUBindGroupEntry[] = tensors.map((t, i) => ({ binding: i, resource: { buffer: bufferOf(t) } }));
  if (uniforms) entries.push({ binding: tensors.length, resource: b.makeUniforms(uniforms) });
  const bindGroup = b.device.createBindGroup({ layout: kernel.pipeline.getBindGroupLayout(0), entries });
  tensors.forEach((t) => b.commandQueueOwnedIds.add(dataIdOf(t)));
  b.ensureCommandEncoderReady();
  if (!b.computePassEncoder) b.computePassEncoder = b.commandEncoder!.beginComputePass();
  b.computePassEncoder.setPipeline(kernel.pipeline);
  b.computePassEncoder.setBindGroup(0, bindGroup);
  b.computePassEncoder.dispatchWorkgroups(...workgroups);
  b.dispatchCountInPass++;
}
