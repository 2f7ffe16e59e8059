/**
 * Node only: installs Dawn's WebGPU (npm package `webgpu`) as navigator.gpu so that TF.js's WebGPU
 * backend can register. Must run before backend.ts imports @tensorflow/tfjs-backend-webgpu.
 * Without a GPU, Vulkan is pointed at Chromium's SwiftShader when it is installed.
 */
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

type DawnModule = { create(options: string[]): GPU; globals: Record<string, unknown> };

function loadDawn(): DawnModule {
  const require = createRequire(import.meta.url);
  // The GPU benchmark kit ships dawn.node on its own and names it here (see README, performance).
  if (process.env.DAWN_NODE) return require(process.env.DAWN_NODE) as DawnModule;
  return require('webgpu') as DawnModule;
}

/** A GPU device node exists (NVIDIA, or a DRM render node of AMD/Intel): let Vulkan find the real driver. */
function hasGpuDevice(): boolean {
  if (existsSync('/dev/nvidia0') || existsSync('/dev/nvidiactl')) return true;
  return existsSync('/dev/dri') && readdirSync('/dev/dri').some((f) => f.startsWith('renderD'));
}

let installed = false;

export function installNodeWebGpu(): void {
  if (installed) return;
  const driverChosen = process.env.VK_ICD_FILENAMES || process.env.VK_DRIVER_FILES;
  if (!driverChosen && !hasGpuDevice() && existsSync(SWIFTSHADER_ICD)) {
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  }
  process.env.XDG_RUNTIME_DIR ??= '/tmp';
  const { create, globals } = loadDawn();
  Object.assign(globalThis, globals);
  const nav = (globalThis as { navigator?: object }).navigator ?? {};
  Object.defineProperty(nav, 'gpu', { value: create([]), configurable: true });
  if (!(globalThis as { navigator?: object }).navigator) {
    Object.defineProperty(globalThis, 'navigator', { value: nav, configurable: true });
  }
  installed = true;
}
