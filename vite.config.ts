import react from '@vitejs/plugin-react';
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';
import { defineConfig, type Plugin } from 'vite';

const MIME: Record<string, string> = { '.json': 'application/json', '.bin': 'application/octet-stream', '.safetensors': 'application/octet-stream' };

/** The sweeps that have finished tables: sweeps/<name>/results.json, newest first. */
function sweepIndex(root: string): { name: string; url: string; modified: string }[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((name) => existsSync(join(root, name, 'results.json')))
    .map((name) => ({ name, url: `/sweeps/${encodeURIComponent(name)}/results.json`, modified: statSync(join(root, name, 'results.json')).mtime.toISOString() }))
    .sort((a, b) => b.modified.localeCompare(a.modified));
}

/**
 * Serves models/ (checkpoints and converted shards) at /models, data/ (CIFAR-10 if installed) at
 * /data and sweeps/ (results of `fpt sweep`, with a generated /sweeps/index.json) at /sweeps, in dev
 * and in preview, straight from the checkout: large weights are never copied into dist.
 */
function serveLocalDirs(): Plugin {
  const roots: Record<string, string> = { '/models/': resolve('models'), '/data/': resolve('data'), '/sweeps/': resolve('sweeps') };
  const handler = (req: IncomingMessage, res: ServerResponse, next: () => void) => {
    const url = decodeURIComponent((req.url ?? '').split('?')[0]);
    if (url === '/sweeps/index.json') {
      res.setHeader('Content-Type', 'application/json');
      res.setHeader('Cache-Control', 'no-cache');
      res.end(JSON.stringify(sweepIndex(roots['/sweeps/'])));
      return;
    }
    const prefix = Object.keys(roots).find((p) => url.startsWith(p));
    if (!prefix) return next();
    const file = normalize(join(roots[prefix], url.slice(prefix.length)));
    if (!file.startsWith(roots[prefix]) || !existsSync(file) || !statSync(file).isFile()) {
      res.statusCode = 404;
      res.end(`not found: ${url}`);
      return;
    }
    res.setHeader('Content-Type', MIME[extname(file)] ?? 'application/octet-stream');
    res.setHeader('Content-Length', statSync(file).size);
    res.setHeader('Cache-Control', 'no-cache');
    createReadStream(file).pipe(res);
  };
  return {
    name: 'fpt-serve-local-dirs',
    configureServer: (server) => void server.middlewares.use(handler),
    configurePreviewServer: (server) => void server.middlewares.use(handler),
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

export default defineConfig({
  plugins: [react(), serveLocalDirs(), contentSecurityPolicy()],
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 4000 },
  server: { port: 5173 },
  preview: { port: 5173 },
});
