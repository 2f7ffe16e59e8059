/**
 * Node-only: serves folders of the checkout (models/, data/, sweeps/) under URL prefixes, for the dev
 * and preview servers. Only regular files strictly inside a folder are served, judged on real paths
 * (symbolic links are resolved, and one that leads outside the folder is refused). Anything else is
 * 404; a malformed %-escape is 400. Bodies never carry file paths or stack traces. The bytes
 * themselves (MIME type, Range, ETag) are sent by sirv, for a path this module has already checked.
 */
import { realpathSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { relative, resolve, sep } from 'node:path';
import sirv from 'sirv';

export type Resolved = { status: 200; file: string; relativePath: string } | { status: 400 | 404 };

/**
 * Where a URL path below a root (the part after the prefix, still %-encoded) leads: a regular file
 * whose real path lies strictly inside the root's real path, or 400 / 404.
 */
export function resolveInside(root: string, encodedPath: string): Resolved {
  let decoded: string;
  try {
    decoded = decodeURIComponent(encodedPath);
  } catch {
    return { status: 400 };
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return { status: 404 };
  let realRoot: string;
  let real: string;
  try {
    realRoot = realpathSync(root);
    real = realpathSync(resolve(realRoot, `./${decoded}`));
  } catch {
    return { status: 404 };
  }
  if (!real.startsWith(realRoot + sep)) return { status: 404 };
  try {
    if (!statSync(real).isFile()) return { status: 404 };
  } catch {
    return { status: 404 };
  }
  return { status: 200, file: real, relativePath: relative(realRoot, real) };
}

type Next = () => void;
export type Middleware = (req: IncomingMessage, res: ServerResponse, next: Next) => void;

function answer(res: ServerResponse, status: 400 | 404 | 405, text: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.end(text);
}

const STATUS_TEXT = { 400: 'bad request: malformed %-escape in the URL', 404: 'not found' } as const;

/**
 * A middleware serving each `roots[prefix]` folder at URL `prefix` (e.g. '/models/'); requests under
 * no prefix go to `next`. `base` (Vite's, e.g. '/fpt-playground/') is stripped first when present.
 */
export function serveRoots(roots: Record<string, string>, base = '/'): Middleware {
  const servers = Object.fromEntries(Object.entries(roots).map(([prefix, dir]) => [prefix, sirv(dir, { dev: true, etag: true, dotfiles: false })]));
  return (req, res, next) => {
    let path = (req.url ?? '/').split('?')[0].split('#')[0];
    if (base !== '/' && path.startsWith(base)) path = `/${path.slice(base.length)}`;
    const prefix = Object.keys(roots).find((p) => path.startsWith(p));
    if (!prefix) return next();
    if (req.method !== 'GET' && req.method !== 'HEAD') return answer(res, 405, 'method not allowed');
    const found = resolveInside(roots[prefix], path.slice(prefix.length));
    if (found.status !== 200) return answer(res, found.status, STATUS_TEXT[found.status]);
    // sirv serves what it finds at this exact (re-encoded) path of the checked file, nothing else.
    const query = req.url?.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
    req.url = `/${found.relativePath.split(sep).map(encodeURIComponent).join('/')}${query}`;
    servers[prefix](req, res, () => answer(res, 404, STATUS_TEXT[404]));
  };
}
