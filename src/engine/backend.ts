import { registerKernels } from './kernels';
import { tf } from './tf';

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';

/**
 * Where the page finds the wasm backend's three binaries (file name -> URL), set by the caller that
 * knows how they are served (the worker, from Vite's asset URLs). Node reads them from the package.
 */
export type WasmPaths = Partial<Record<'tfjs-backend-wasm.wasm' | 'tfjs-backend-wasm-simd.wasm' | 'tfjs-backend-wasm-threaded-simd.wasm', string>>;

export interface StartOptions {
  /** The wasm binaries' URLs (browser only). */
  wasmPaths?: WasmPaths;
}

export interface BackendInfo {
  name: BackendName;
  /** Adapter description (WebGPU vendor/architecture/device) where known. */
  adapter?: string;
  /** Why a backend earlier in the preference list was not used. */
  fallbackReasons: string[];
}

async function tryWebGpu(): Promise<string> {
  const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (!gpu && (globalThis as { isSecureContext?: boolean }).isSecureContext === false) {
    throw new Error('WebGPU exists only on secure pages (https, or localhost) and this one is not');
  }
  if (!gpu) throw new Error('this environment has no WebGPU (navigator.gpu is missing)');
  const adapter = await gpu.requestAdapter();
  if (!adapter) throw new Error('WebGPU is present but no GPU adapter was offered');
  const info = (adapter as { info?: { vendor: string; architecture: string; device: string; description: string } }).info;
  await import('@tensorflow/tfjs-backend-webgpu');
  registerKernels();
  if (!(await tf.setBackend('webgpu'))) throw new Error('TF.js could not start its WebGPU backend');
  const parts = info ? [info.vendor, info.architecture, info.device, info.description].filter(Boolean) : [];
  return parts.length ? [...new Set(parts)].join(' / ') : 'unknown adapter';
}

/**
 * TF.js's WebAssembly backend (XNNPACK; SIMD where the engine has it, threads only where
 * SharedArrayBuffer exists, i.e. a cross-origin isolated page or Node). Its missing training kernels
 * are registered by wasm-kernels.ts before it starts.
 */
async function tryWasm(paths?: WasmPaths): Promise<string> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const { registerMissingWasmKernels } = await import('./wasm-kernels');
  if (paths && Object.keys(paths).length) wasm.setWasmPaths(paths as Record<string, string>);
  registerMissingWasmKernels();
  if (!(await tf.setBackend('wasm'))) throw new Error('TF.js could not start its wasm backend');
  const threads = wasm.getThreadsCount();
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  return `${simd ? 'SIMD' : 'no SIMD'}, ${threads} thread${threads === 1 ? '' : 's'}`;
}

/**
 * Starts the first backend of `preference` that works and reports what was chosen and why the
 * others were not. With `strict`, failure of the first choice is an error instead of a fallback.
 */
export async function startBackend(preference: BackendName[] = ['webgpu', 'webgl', 'cpu'], strict = false, options: StartOptions = {}): Promise<BackendInfo> {
  const fallbackReasons: string[] = [];
  for (const name of preference) {
    try {
      let adapter: string | undefined;
      if (name === 'webgpu') adapter = await tryWebGpu();
      else if (name === 'wasm') adapter = await tryWasm(options.wasmPaths);
      else if (!(await tf.setBackend(name))) throw new Error(`TF.js could not start its ${name} backend`);
      await tf.ready();
      return { name, adapter, fallbackReasons };
    } catch (err) {
      const reason = `${name}: ${(err as Error).message}`;
      if (strict) throw new Error(`backend ${reason}`);
      fallbackReasons.push(reason);
    }
  }
  throw new Error(`no TF.js backend could start (${fallbackReasons.join('; ')})`);
}
