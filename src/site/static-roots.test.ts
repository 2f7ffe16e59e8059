/**
 * The dev/preview server's models/, data/ and sweeps/ (vite.config.ts through static-roots.ts), tried
 * as an attacker would: siblings that share a prefix, symbolic links out, malformed escapes. The
 * server is Vite's own preview server with the project's vite.config.ts, run in a scratch checkout.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { preview, type PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveInside } from './static-roots';

const repo = resolve(import.meta.dirname, '../..');
let scratch: string;
let outside: string;
const servers: PreviewServer[] = [];
const startedIn = process.cwd();

/** GET with a raw path (no normalisation by a URL parser); the answer's status, headers and body. */
function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', fail);
    req.end();
  });
}

async function startPreview(base: string): Promise<number> {
  const server = await preview({
    configFile: join(repo, 'vite.config.ts'),
    root: scratch,
    base,
    logLevel: 'silent',
    build: { outDir: join(scratch, 'dist') },
    preview: { host: '127.0.0.1', port: 0, strictPort: false, open: false },
  });
  servers.push(server);
  return (server.httpServer.address() as AddressInfo).port;
}

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'fpt-serve-'));
  outside = mkdtempSync(join(tmpdir(), 'fpt-outside-'));
  writeFileSync(join(outside, 'secret.txt'), 'SECRET-OUTSIDE');
  mkdirSync(join(scratch, 'dist'));
  writeFileSync(join(scratch, 'dist', 'index.html'), '<!doctype html><title>t</title>');
  mkdirSync(join(scratch, 'models', 'tiny'), { recursive: true });
  writeFileSync(join(scratch, 'models', 'tiny', 'manifest.json'), '{"format":"fpt-gpt2-shards"}');
  writeFileSync(join(scratch, 'models', 'tiny', 'shard 000.bin'), Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
  mkdirSync(join(scratch, 'models-x'));
  writeFileSync(join(scratch, 'models-x', 'file'), 'SECRET-SIBLING-MODELS');
  mkdirSync(join(scratch, 'data'));
  writeFileSync(join(scratch, 'data-secret.txt'), 'SECRET-SIBLING-DATA');
  symlinkSync(outside, join(scratch, 'models', 'linked-dir'));
  symlinkSync(join(outside, 'secret.txt'), join(scratch, 'models', 'linked.json'));
  symlinkSync(join(scratch, 'models', 'tiny', 'manifest.json'), join(scratch, 'models', 'alias.json'));
  mkdirSync(join(scratch, 'sweeps', 'table19-tiny'), { recursive: true });
  writeFileSync(join(scratch, 'sweeps', 'table19-tiny', 'results.json'), '{"summary":[]}');
  // vite.config.ts serves the folders of the directory it runs in.
  process.chdir(scratch);
});

afterAll(async () => {
  process.chdir(startedIn);
  await Promise.all(servers.map((s) => s.close()));
  rmSync(scratch, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

describe('the preview server with vite.config.ts', () => {
  let port: number;
  beforeAll(async () => {
    port = await startPreview('/');
  });

  it('serves regular files inside models/, byte for byte, with ranges', async () => {
    const manifest = await get(port, '/models/tiny/manifest.json');
    expect([manifest.status, manifest.body]).toEqual([200, '{"format":"fpt-gpt2-shards"}']);
    expect(manifest.headers['content-type']).toMatch(/^application\/json/);
    const range = await get(port, '/models/tiny/shard%20000.bin', { Range: 'bytes=2-5' });
    expect(range.status).toBe(206);
    expect(range.headers['content-range']).toBe('bytes 2-5/10');
    expect([...Buffer.from(range.body, 'latin1')]).toEqual([2, 3, 4, 5]);
  });

  it('does not serve siblings whose names start like a root', async () => {
    for (const path of ['/data/..%2fdata-secret.txt', '/models/..%2fmodels-x/file', '/models/..%2F..%2Fmodels-x%2Ffile', '/data/%2e%2e/data-secret.txt']) {
      const r = await get(port, path);
      expect([path, r.status]).toEqual([path, 404]);
      expect(r.body).not.toContain('SECRET');
    }
  });

  it('refuses symbolic links that lead outside the folder, and follows those that stay inside', async () => {
    for (const path of ['/models/linked.json', '/models/linked-dir/secret.txt']) {
      const r = await get(port, path);
      expect([path, r.status, r.body]).toEqual([path, 404, 'not found']);
    }
    const alias = await get(port, '/models/alias.json');
    expect([alias.status, alias.body]).toEqual([200, '{"format":"fpt-gpt2-shards"}']);
  });

  it('answers 404 for folders and missing files, 400 for a malformed escape, never with paths or stacks', async () => {
    expect((await get(port, '/models/tiny')).status).toBe(404);
    expect((await get(port, '/models/tiny/')).status).toBe(404);
    expect((await get(port, '/models/nothing.json')).status).toBe(404);
    for (const path of ['/models/%E0%A4%A', '/data/%', '/sweeps/%zz/results.json']) {
      const r = await get(port, path);
      expect([path, r.status]).toEqual([path, 400]);
      expect(r.body).toBe('bad request: malformed %-escape in the URL');
    }
  });

  it('makes the sweeps index, with each results file relative to it', async () => {
    const r = await get(port, '/sweeps/index.json');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).map((e: { name: string; url: string }) => [e.name, e.url])).toEqual([['table19-tiny', 'table19-tiny/results.json']]);
    expect((await get(port, '/sweeps/table19-tiny/results.json')).body).toBe('{"summary":[]}');
  });
});

describe('the preview server under a sub-path (--base /fpt-playground/)', () => {
  it('serves the same files below the base', async () => {
    const port = await startPreview('/fpt-playground/');
    expect((await get(port, '/fpt-playground/models/tiny/manifest.json')).status).toBe(200);
    expect((await get(port, '/fpt-playground/models/..%2fmodels-x/file')).status).toBe(404);
    expect(JSON.parse((await get(port, '/fpt-playground/sweeps/index.json')).body)).toHaveLength(1);
  });
});

describe('resolveInside', () => {
  it('gives the real path of a file inside, and 404 / 400 otherwise', () => {
    const models = join(scratch, 'models');
    expect(resolveInside(models, 'tiny/manifest.json')).toMatchObject({ status: 200, relativePath: join('tiny', 'manifest.json') });
    expect(resolveInside(models, 'alias.json')).toMatchObject({ status: 200, relativePath: join('tiny', 'manifest.json') });
    expect(resolveInside(models, '..%2fmodels-x%2ffile')).toEqual({ status: 404 });
    expect(resolveInside(models, '')).toEqual({ status: 404 });
    expect(resolveInside(models, 'tiny%00/manifest.json')).toEqual({ status: 404 });
    expect(resolveInside(models, 'linked.json')).toEqual({ status: 404 });
    expect(resolveInside(models, '%E0%A4%A')).toEqual({ status: 400 });
    expect(resolveInside(join(scratch, 'absent'), 'x')).toEqual({ status: 404 });
  });
});
