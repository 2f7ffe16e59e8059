import { defineConfig } from '@playwright/test';
import { builtBase } from './src/site/site-files';
import { CHROMIUM_LAUNCH } from './e2e/chromium';

/**
 * End-to-end tests against the built site as a static host serves it: dist/ built under a sub-path
 * (`npm run build -- --base /fpt-playground/`) and served by a plain static file server (sirv-cli,
 * scripts/serve-static.sh), in real Chromium with WebGPU. On machines without a GPU, Chromium's
 * WebGPU runs on SwiftShader. CHROMIUM_PATH overrides the browser; E2E_PORT the server's port (4173;
 * the LAN and update specs' servers take the next two); E2E_DIST the built folder (dist). The site is
 * served under the sub-path it was built for (read from its index.html; `npm test` builds it for
 * /fpt-playground/), so every spec opens relative URLs.
 */
const port = Number(process.env.E2E_PORT ?? 4173);
const outDir = process.env.E2E_DIST ?? 'dist';
let base = '/fpt-playground/';
try {
  base = builtBase(outDir);
} catch {
  // not built yet: the web server says so
}

export default defineConfig({
  testDir: 'e2e',
  timeout: 180_000,
  expect: { timeout: 120_000 },
  workers: 1,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}${base}`,
    launchOptions: CHROMIUM_LAUNCH,
  },
  webServer: {
    command: `bash scripts/serve-static.sh ${port} ${outDir} ${base}`,
    url: `http://127.0.0.1:${port}${base}`,
    reuseExistingServer: false,
    timeout: 60_000,
  },
});
