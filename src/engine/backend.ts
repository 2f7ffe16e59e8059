import { tf } from './tf';

export type BackendName = 'webgpu' | 'webgl' | 'cpu';

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
  if (!(await tf.setBackend('webgpu'))) throw new Error('TF.js could not start its WebGPU backend');
  const parts = info ? [info.vendor, info.architecture, info.device, info.description].filter(Boolean) : [];
  return parts.length ? [...new Set(parts)].join(' / ') : 'unknown adapter';
}

/**
 * Starts the first backend of `preference` that works and reports what was chosen and why the
 * others were not. With `strict`, failure of the first choice is an error instead of a fallback.
 */
export async function startBackend(
  preference: BackendName[] = ['webgpu', 'webgl', 'cpu'],
  strict = false,
): Promise<BackendInfo> {
  const fallbackReasons: string[] = [];
  for (const name of preference) {
    try {
      let adapter: string | undefined;
      if (name === 'webgpu') adapter = await tryWebGpu();
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
