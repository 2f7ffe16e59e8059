/**
 * Node-only: a small HTTP server on 127.0.0.1 (random port) for the loader tests and the benchmark.
 * Serves files from memory or a directory with single-range support (206 + Content-Range), CORS
 * headers like the Hugging Face CDN, optional redirects, and a hook to misbehave per request (404,
 * corrupt bytes, a connection cut in the middle of a body). Every request is logged.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';

export interface LoggedRequest {
  method: string;
  path: string;
  range: string | undefined;
  status: number;
}

/** What to do with one request; `count` is how many times this path was requested, this one included. */
export type Misbehaviour =
  | { status: number }
  | { corrupt: true }
  | { cutAfterBytes: number }
  | { redirect: string }
  /** Answer 200 with the whole file whatever the Range header says. */
  | { ignoreRange: true }
  /** Answer a Range request with the bytes (and Content-Range) of the range moved by this many bytes. */
  | { shiftRange: number }
  /** Wait this long before answering normally. */
  | { delayMs: number }
  | undefined;

export interface LocalServerOptions {
  /** Path (e.g. "/models/tiny/manifest.json") -> bytes. */
  files?: Map<string, Uint8Array>;
  /** Or serve a directory at "/". */
  root?: string;
  misbehave?: (path: string, count: number, request: IncomingMessage) => Misbehaviour;
  /** Send CORS headers as the hub's CDN does (default true). */
  cors?: boolean;
}

export interface LocalServer {
  url: string;
  requests: LoggedRequest[];
  /** Requests whose path ends with `suffix`. */
  count(suffix: string): number;
  /** Most responses in progress at once (for concurrency limits). */
  maxConcurrent: number;
  files: Map<string, Uint8Array>;
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = { '.json': 'application/json', '.html': 'text/html', '.js': 'text/javascript' };

const CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Headers': 'Range, Content-Type',
  'Access-Control-Expose-Headers': 'Content-Range, Content-Length, Accept-Ranges, ETag, X-Linked-Size, X-Linked-ETag',
};

export async function startLocalServer(options: LocalServerOptions): Promise<LocalServer> {
  const files = options.files ?? new Map<string, Uint8Array>();
  const requests: LoggedRequest[] = [];
  const counts = new Map<string, number>();
  let open = 0;
  const stats = { maxConcurrent: 0 };
  const server: Server = createServer(async (req, res) => {
    open++;
    stats.maxConcurrent = Math.max(stats.maxConcurrent, open);
    res.on('close', () => open--);
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]);
    const count = (counts.get(path) ?? 0) + 1;
    counts.set(path, count);
    const log = (status: number) => requests.push({ method: req.method ?? 'GET', path, range: req.headers.range, status });
    if (options.cors !== false) for (const [name, value] of Object.entries(CORS_HEADERS)) res.setHeader(name, value);
    if (req.method === 'OPTIONS') {
      res.writeHead(204).end();
      log(204);
      return;
    }
    const action = options.misbehave?.(path, count, req);
    if (action && 'delayMs' in action) await new Promise((resolve) => setTimeout(resolve, action.delayMs));
    if (action && 'status' in action) {
      res.writeHead(action.status, { 'Content-Type': 'text/plain' }).end(`status ${action.status} for ${path}`);
      log(action.status);
      return;
    }
    if (action && 'redirect' in action) {
      res.writeHead(302, { Location: action.redirect }).end();
      log(302);
      return;
    }
    const body = lookup(path);
    if (body === undefined) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end(`not found: ${path}`);
      log(404);
      return;
    }
    const size = body.kind === 'memory' ? body.bytes.byteLength : body.size;
    let start = 0;
    let end = size - 1;
    let status = 200;
    const range = action && 'ignoreRange' in action ? undefined : req.headers.range;
    if (range !== undefined) {
      const match = /^bytes=(\d+)-(\d*)$/.exec(range);
      if (match === null || Number(match[1]) >= size) {
        res.writeHead(416, { 'Content-Range': `bytes */${size}` }).end();
        log(416);
        return;
      }
      start = Number(match[1]);
      end = match[2] === '' ? size - 1 : Math.min(size - 1, Number(match[2]));
      status = 206;
      if (action && 'shiftRange' in action) {
        start = Math.min(size - 1, start + action.shiftRange);
        end = Math.min(size - 1, end + action.shiftRange);
      }
    }
    const headers: Record<string, string | number> = {
      'Content-Type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream',
      'Content-Length': end - start + 1,
      'Accept-Ranges': 'bytes',
      ETag: `"${size}"`,
    };
    if (status === 206) headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
    res.writeHead(status, headers);
    log(status);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    if (action && 'cutAfterBytes' in action) {
      const bytes = readRange(body, start, end);
      // Headers promise the full length; send part of it and drop the connection.
      res.write(bytes.subarray(0, Math.min(action.cutAfterBytes, bytes.byteLength)), () => res.destroy());
      return;
    }
    if (action && 'corrupt' in action) {
      const bytes = readRange(body, start, end).slice();
      bytes[bytes.byteLength >> 1] ^= 0xff;
      res.end(bytes);
      return;
    }
    send(res, body, start, end);
  });

  type Body = { kind: 'memory'; bytes: Uint8Array } | { kind: 'disk'; path: string; size: number };
  function lookup(path: string): Body | undefined {
    const bytes = files.get(path);
    if (bytes !== undefined) return { kind: 'memory', bytes };
    if (options.root === undefined) return undefined;
    const file = normalize(join(options.root, path));
    if (!file.startsWith(normalize(options.root)) || !existsSync(file) || !statSync(file).isFile()) return undefined;
    return { kind: 'disk', path: file, size: statSync(file).size };
  }
  function readRange(body: Body, start: number, end: number): Uint8Array {
    if (body.kind === 'memory') return body.bytes.subarray(start, end + 1);
    throw new Error('misbehaviours that rewrite bodies need in-memory files');
  }
  function send(res: ServerResponse, body: Body, start: number, end: number): void {
    if (body.kind === 'memory') res.end(body.bytes.subarray(start, end + 1));
    else createReadStream(body.path, { start, end, highWaterMark: 1 << 20 }).pipe(res);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    files,
    count: (suffix) => requests.filter((r) => r.path.endsWith(suffix)).length,
    get maxConcurrent() {
      return stats.maxConcurrent;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
