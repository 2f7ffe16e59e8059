/**
 * The one place the engine imports TF.js from. The umbrella package brings core, every gradient
 * and the CPU and WebGL backends, in both its Node (CommonJS) and browser (ESM) builds. WebGPU is
 * imported lazily by backend.ts because it registers itself only if navigator.gpu exists at import
 * time (in Node that is after node-webgpu.ts has installed Dawn).
 */
export * as tf from '@tensorflow/tfjs';
