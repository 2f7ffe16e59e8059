import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import './styles.css';
import { debugLoseDevice } from './training-client';
import { syncUrlWithState } from './url-sync';
import { registerServiceWorker } from './site/service-worker';

// Test hook (e2e): ?debug=1 exposes a way to destroy the worker's GPU device.
if (new URLSearchParams(location.search).has('debug')) {
  (window as unknown as { fptDebug: object }).fptDebug = { loseDevice: debugLoseDevice };
}

syncUrlWithState();
void registerServiceWorker();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
