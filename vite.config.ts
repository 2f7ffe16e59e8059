import react from '@vitejs/plugin-react';
import { resolve } from 'node:path';
import { defineConfig, type Plugin } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';
import { copySiteFiles, sweepIndex } from './src/site/site-files.ts';
import { EMBEDDED_MODELS } from './src/weights/embedded-models.ts';
import { serveRoots, type Middleware } from './src/site/static-roots.ts';

/**
 * Serves models/ (checkpoints and converted shards) at <base>models/, data/ (CIFAR-10 if installed)
 * at <base>data/ and sweeps/ (results of `fpt sweep`, with an index made per request) at
 * <base>sweeps/, in dev and in preview, straight from the checkout (src/site/static-roots.ts: only
 * regular files strictly inside each folder). The built site carries its own copies (siteFiles).
 */
function serveLocalDirs(): Plugin {
  let base = '/';
  const roots = { '/models/': resolve('models'), '/data/': resolve('data'), '/sweeps/': resolve('sweeps') };
  const index: Middleware = (req, res, next) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== `${base}sweeps/index.json` && path !== '/sweeps/index.json') return next();
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('Cache-Control', 'no-cache');
    res.end(JSON.stringify(sweepIndex(roots['/sweeps/'])));
  };
  const install = (use: (m: Middleware) => void) => {
    use(index);
    use(serveRoots(roots, base));
  };
  return {
    name: 'fpt-serve-local-dirs',
    configResolved: (config) => void (base = config.base),
    configureServer: (server) => install((m) => server.middlewares.use(m)),
    configurePreviewServer: (server) => install((m) => server.middlewares.use(m)),
  };
}

/**
 * The built site's own files beside the bundle: the embedded models (the mini English GPT-2 and the
 * random test model, src/weights/embedded-models.ts), the models named in FPT_SITE_MODELS
 * (comma-separated; `npm run site` sets it when GPT-2's shards are converted), finished sweeps and a
 * static sweeps/index.json, so that dist/ works from any static file server.
 */
const EMBEDDED = EMBEDDED_MODELS.map((m) => m.dir);

function siteFiles(): Plugin {
  let outDir = 'dist';
  return {
    name: 'fpt-site-files',
    apply: 'build',
    configResolved: (config) => void (outDir = resolve(config.root, config.build.outDir)),
    // writeBundle, not closeBundle: the service worker (closeBundle) must find these files to precache.
    writeBundle() {
      const extra = (process.env.FPT_SITE_MODELS ?? '')
        .split(',')
        .map((m) => m.trim())
        .filter(Boolean);
      const report = copySiteFiles(resolve('.'), outDir, [...EMBEDDED, ...extra.filter((m) => !EMBEDDED.includes(m))]);
      const models = report.models.map((m) => `${m.name} (${m.files} files, ${(m.bytes / 1e6).toFixed(1)} MB)`).join(', ');
      console.log(`site files: models ${models}; ${report.sweeps} finished sweep(s)`);
    },
  };
}

/** The built page may talk only to its own origin and the Hugging Face hosts it downloads weights from. */
const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self' https://huggingface.co https://*.huggingface.co https://*.hf.co",
  "object-src 'none'",
  "base-uri 'self'",
].join('; ');

function contentSecurityPolicy(): Plugin {
  return {
    name: 'fpt-csp',
    apply: 'build',
    transformIndexHtml: (html) => html.replace('<head>', `<head>\n    <meta http-equiv="Content-Security-Policy" content="${CSP}" />`),
  };
}

/**
 * Offline after the first visit, and installable: a service worker (Workbox, through vite-plugin-pwa)
 * precaches the app shell, the MNIST digits and the embedded models (1.9 MB and 0.4 MB). GPT-2's shards stay out of it: the
 * loader's own shard cache (Cache Storage, src/weights/weight-cache.ts) keeps them. A new deploy waits
 * until the page says "a new version is ready" and the user reloads (src/app/site/service-worker.ts),
 * so one tab never mixes two versions.
 */
const pwa = VitePWA({
  registerType: 'prompt',
  injectRegister: false,
  manifest: {
    name: 'FPT Playground',
    short_name: 'FPT Playground',
    description: 'Train a Frozen Pretrained Transformer (GPT-2) on non-language tasks in the browser',
    start_url: '.',
    scope: '.',
    display: 'standalone',
    background_color: '#ffffff',
    theme_color: '#0072b2',
    icons: [{ src: 'favicon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' }],
  },
  workbox: {
    globPatterns: ['**/*.{html,js,css,svg,json,webmanifest,wasm}', ...EMBEDDED.map((dir) => `models/${dir}/*`)],
    globIgnores: ['sweeps/**', 'models/gpt2*/**', 'data/**'],
    // The ten MNIST digit files are about 2.3 MB each.
    maximumFileSizeToCacheInBytes: 8 * 1024 * 1024,
    navigateFallback: 'index.html',
    navigateFallbackDenylist: [/\/(models|sweeps|data)\//],
    cleanupOutdatedCaches: true,
  },
});

export default defineConfig({
  plugins: [react(), serveLocalDirs(), siteFiles(), contentSecurityPolicy(), pwa],
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 4000 },
  server: { port: 5173 },
  preview: { port: 5173 },
});
