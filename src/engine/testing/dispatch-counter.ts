/**
 * Counts GPU compute dispatches (TF.js kernels and hand-recorded ones alike) by wrapping
 * GPUComputePassEncoder.prototype.dispatchWorkgroups (and the indirect variant) once per process.
 * TF.js records a dispatch when the kernel runs, and submits later: read the results back
 * (await t.data()) inside `fn` so that everything the work needs has been recorded and finished.
 */
import { webgpuBackend } from '../kernels/webgpu-program';

let dispatched = 0;
let dryRun = false;
let installed = false;

function computePassPrototype(): object {
  const global = (globalThis as { GPUComputePassEncoder?: { prototype: object } }).GPUComputePassEncoder;
  if (global && typeof (global.prototype as { dispatchWorkgroups?: unknown }).dispatchWorkgroups === 'function') {
    return global.prototype;
  }
  const backend = webgpuBackend();
  if (!backend) throw new Error('countDispatches needs the webgpu backend');
  const encoder = backend.device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  pass.end();
  encoder.finish();
  return Object.getPrototypeOf(pass) as object;
}

function install(): void {
  if (installed) return;
  const proto = computePassPrototype() as Record<string, (...args: unknown[]) => unknown>;
  for (const name of ['dispatchWorkgroups', 'dispatchWorkgroupsIndirect']) {
    const original = proto[name];
    if (typeof original !== 'function') continue;
    proto[name] = function (this: unknown, ...args: unknown[]) {
      dispatched++;
      return dryRun ? undefined : original.apply(this, args);
    };
  }
  installed = true;
}

/** Runs `fn` and reports how many compute dispatches were recorded while it ran (nested calls each count their own). */
export async function countDispatches<T>(fn: () => Promise<T> | T): Promise<{ result: T; dispatches: number }> {
  install();
  const before = dispatched;
  const result = await fn();
  return { result, dispatches: dispatched - before };
}

/**
 * Like countDispatches, but the dispatches are recorded as counted and not executed: a GPT-2-sized
 * step can be counted on a software GPU in seconds. Everything computed inside `fn` is garbage
 * (buffers keep whatever they held); pipelines are still compiled and buffers still allocated.
 */
export async function dryRunDispatches<T>(fn: () => Promise<T> | T): Promise<{ result: T; dispatches: number }> {
  install();
  if (dryRun) return countDispatches(fn);
  dryRun = true;
  try {
    return await countDispatches(fn);
  } finally {
    dryRun = false;
  }
}
