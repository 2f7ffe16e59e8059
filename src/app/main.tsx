import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import './styles.css';
import { debugLoseDevice } from './training-client';
import { syncUrlWithState } from './url-sync';
import { useRuns } from './runs/runs-store';
import { registerServiceWorker } from './site/service-worker';

// Test hooks (e2e): ?debug=1 exposes a way to destroy the worker's GPU device, and the Runs store.
if (new URLSearchParams(location.search).has('debug')) {
  // `runs`: the Runs store, so that a test can put in a record that slipped past the schemas.
  (window as unknown as { fptDebug: object }).fptDebug = { loseDevice: debugLoseDevice, runs: useRuns };
}

syncUrlWithState();
void registerServiceWorker();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
