import { useControlMode } from '../hooks/control-mode';
import { LockNote } from '../instructor/ui';
import { useRun } from '../stores/run-store';
import { dismissAdapterImport, exportAdapters, importAdapters } from '../training-client';

/** Export the trainable groups as a .safetensors file, or load one back into this run. */
export function AdapterFiles() {
  const ready = useRun((s) => s.phase === 'ready');
  const running = useRun((s) => s.running);
  const outcome = useRun((s) => s.adapterImport);
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

/** Export / import adapters, unless an instructor link hides or locks them. */
export function AdapterFilesControl() {
  const mode = useControlMode('adapters');
  if (mode === 'hidden') return null;
  const files = (
    <section className="panel" aria-labelledby="adapter-files-title">
      <h2 id="adapter-files-title">Adapter files</h2>
      <p className="muted">The trainable groups as a .safetensors file (paused runs only), or such a file loaded back into this run.</p>
      <AdapterFiles />
    </section>
  );
  if (mode === 'shown') return files;
  return (
    <fieldset className="locked-fieldset" disabled aria-describedby="lock-note-adapters">
      {files}
      <LockNote control="adapters" mode={mode} />
    </fieldset>
  );
}
