import { useRun } from '../stores/run-store';
import { megabytes } from '../format';
import { initLabel } from '../../weights/embedded-models';

export function StatusBar() {
  const backend = useRun((s) => s.backend);
  const model = useRun((s) => s.model);
  const msPerStep = useRun((s) => s.msPerStep);
  const gpuBytes = useRun((s) => s.gpuBytes);
  const steps = useRun((s) => s.points.at(-1)?.step ?? 0);
  const phase = useRun((s) => s.phase);
  const checksum = useRun((s) => s.paramChecksum);
  const loadingMessage = useRun((s) => s.loadingMessage);
  const backendText = backend
    ? `${backend.name === 'webgpu' ? 'WebGPU' : backend.name === 'webgl' ? 'WebGL' : backend.name === 'wasm' ? 'WebAssembly' : 'CPU'}${backend.adapter ? ` · ${backend.adapter}` : ''}`
    : '…';
  return (
    <footer className="status-bar" aria-label="Status">
      <span data-testid="status-backend">{backendText}</span>
      {backend && backend.fallbackReasons.length > 0 && (
        <span className="fallback" data-testid="status-fallback">
          fell back: {backend.fallbackReasons.join('; ')}
        </span>
      )}
      <span data-testid="status-model">
        {model
          ? `${model.label} · ${initLabel(model.label, model.init)} · ${model.layers}×${model.width}, ${model.heads} heads`
          : phase === 'loading'
            ? loadingMessage
            : '—'}
      </span>
      {model && (
        <span
          data-testid="status-engine"
          title={model.fused ? "GPT-2's blocks run on this project's own WebGPU kernels" : 'GPT-2 runs as composite TF.js operations'}
        >
          {model.fused ? 'fused kernels' : 'TF.js ops'}
        </span>
      )}
      <span data-testid="status-step">step {steps}</span>
      {checksum && (
        <span title={`fingerprint of the trainable values at step ${checksum.step}`}>
          params <code data-testid="param-checksum">{checksum.checksum}</code>
        </span>
      )}
      <span>{msPerStep ? `${msPerStep.toFixed(0)} ms/step · ${(1000 / msPerStep).toFixed(1)} steps/s` : '– ms/step'}</span>
      <span title="tensor memory held by TF.js">memory {megabytes(gpuBytes)}</span>
    </footer>
  );
}
