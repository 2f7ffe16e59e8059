/// <reference lib="webworker" />
/**
 * The training worker: a thin adapter between the page's messages and one TrainingSession
 * (training-session.ts), plus what only a browser worker has: the wasm binaries' URLs, the site's
 * model files and datasets, and the WebGPU device whose loss the session is told about.
 */
import { startBackend } from '../engine/backend';
import { tf } from '../engine/tf';
import { WASM_PATHS } from './wasm-paths';
import { loadModelSource } from './model-source';
import { browserTaskData } from './task-data';
import type { FromWorker, ToWorker } from './protocol';
import { TrainingSession, type SessionHost } from './training-session';

declare const self: DedicatedWorkerGlobalScope;

const gpuDevice = () => (tf.backend() as unknown as { device?: GPUDevice }).device;
const describeLoss = (info: GPUDeviceLostInfo) => `${info.reason}${info.message ? `: ${info.message}` : ''}`;

const browser: SessionHost = {
  startBackend: (preference, strict) => startBackend(preference, strict, { wasmPaths: WASM_PATHS }),
  loadModel: loadModelSource,
  taskData: browserTaskData,
  watchDevice(onLost) {
    void gpuDevice()?.lost.then((info) => onLost(describeLoss(info)));
  },
  async loseDevice() {
    const device = gpuDevice();
    if (!device) return;
    device.destroy();
    // watchDevice's callback was attached first, so it has run when this resolves.
    await device.lost;
  },
};

const session = new TrainingSession((message: FromWorker, transfer: Transferable[] = []) => self.postMessage(message, transfer), browser);
self.onmessage = (event: MessageEvent<ToWorker>) => session.handle(event.data);
