import { usePlayground } from '../store';
import { dismissAdapterImport, exportAdapters, importAdapters } from '../training-client';

/** Export the trainable groups as a .safetensors file, or load one back into this run. */
export function AdapterFiles() {
  const ready = usePlayground((s) => s.phase === 'ready');
  const running = usePlayground((s) => s.running);
  const outcome = usePlayground((s) => s.adapterImport);
  const idle = ready && !running;
  return (
    <div className="adapter-files" role="group" aria-label="Adapter files">
      <button type="button" onClick={exportAdapters} disabled={!idle}>
        Export adapters
      </button>
      <label className={`file-button${idle ? '' : ' disabled'}`}>
        Import adapters
        <input
          type="file"
          accept=".safetensors"
          disabled={!idle}
          onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = '';
            if (file) void importAdapters(file);
          }}
        />
      </label>
      {outcome && (
        <div className={`notice ${outcome.ok ? 'loading' : 'error'}`} role={outcome.ok ? 'status' : 'alert'} data-testid="adapter-import-result">
          <p>{outcome.message}</p>
          <button type="button" onClick={dismissAdapterImport}>
            Dismiss
          </button>
        </div>
      )}
    </div>
  );
}
