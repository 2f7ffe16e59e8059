/**
 * Node-only front end of the converter: reads a local Hugging Face checkpoint (directory or
 * model.safetensors file) or downloads one from a URL (the hub), then writes
 * `<out>/shard-NNN.bin`, `<out>/config.json` and, last, `<out>/manifest.json`.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CheckpointError } from './checkpoint-error';
import { convertGpt2ToShards, type ConvertOptions } from './convert';
import { parseSafetensorsHeader, safetensorsHeaderSize } from './safetensors';
import { MANIFEST_FILE, type ShardManifest } from './shard-manifest';

export interface ConvertToDirectoryOptions extends ConvertOptions {
  /** config.json path or URL; default: beside the weights. */
  config?: string;
  /** Progress lines (downloads, shards). */
  log?: (line: string) => void;
  fetch?: typeof fetch;
  /** Give up on a silent server after this long (ms); default 20 000. */
  connectTimeoutMs?: number;
}

export interface ConvertResult {
  manifest: ShardManifest;
  dir: string;
  ms: number;
}

export function isUrl(input: string): boolean {
  return /^https?:\/\//i.test(input);
}

export async function convertToDirectory(input: string, out: string, options: ConvertToDirectoryOptions = {}): Promise<ConvertResult> {
  const started = performance.now();
  const log = options.log ?? (() => undefined);
  let weightsPath: string;
  let configText: string;
  let url: string | undefined;
  let temporary: string | undefined;
  if (isUrl(input)) {
    url = input;
    const configUrl = options.config ?? new URL('config.json', input).href;
    // config.json first: it is small, so an offline machine fails at once, before any large download.
    configText = isUrl(configUrl) ? new TextDecoder().decode(await download(configUrl, undefined, options)) : await readText(configUrl);
    await mkdir(out, { recursive: true });
    temporary = join(out, `.download-${basename(new URL(input).pathname) || 'model.safetensors'}.partial`);
    await download(input, temporary, options);
    weightsPath = temporary;
  } else {
    const isDir = existsSync(input) && statSync(input).isDirectory();
    weightsPath = isDir ? join(input, 'model.safetensors') : input;
    const configPath = options.config ?? join(isDir ? input : dirname(input), 'config.json');
    configText = isUrl(configPath) ? new TextDecoder().decode(await download(configPath, undefined, options)) : await readText(configPath);
  }
  let configJson: Record<string, unknown>;
  try {
    configJson = JSON.parse(configText) as Record<string, unknown>;
  } catch (error) {
    throw new CheckpointError(options.config ?? 'config.json', `not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }

  const handle = await openFile(weightsPath);
  await mkdir(out, { recursive: true });
  try {
    const size = (await handle.stat()).size;
    const prefix = await readAt(handle, 0, Math.min(size, 8));
    const headerBytes = safetensorsHeaderSize(prefix, weightsPath);
    const header = parseSafetensorsHeader(await readAt(handle, 0, Math.min(size, headerBytes)), url ?? weightsPath, size);
    log(`hashing ${url ?? weightsPath} (${formatBytes(size)})`);
    const sha256 = await hashFile(weightsPath);
    const written = new Set<string>();
    const manifest = await convertGpt2ToShards(
      {
        header,
        read: (begin, end) => readAt(handle, header.dataStart + begin, end - begin),
        configJson,
        description: { file: url ? basename(new URL(url).pathname) : basename(weightsPath), ...(url ? { url } : {}), bytes: size, sha256 },
      },
      options,
      async (shard) => {
        await writeFile(join(out, shard.file), shard.bytes);
        written.add(shard.file);
        log(`wrote ${join(out, shard.file)} (${formatBytes(shard.bytes.byteLength)}, sha256 ${shard.sha256.slice(0, 12)}…)`);
      },
    );
    // Shards of an earlier conversion into the same directory would only confuse.
    for (const name of await readdir(out)) {
      if (/^shard-\d+\.bin$/.test(name) && !written.has(name)) await rm(join(out, name));
    }
    await writeFile(join(out, 'config.json'), configText);
    // The manifest goes last (atomically): its presence means the directory is complete.
    const partial = join(out, `${MANIFEST_FILE}.partial`);
    await writeFile(partial, formatManifest(manifest));
    await rename(partial, join(out, MANIFEST_FILE));
    return { manifest, dir: out, ms: performance.now() - started };
  } finally {
    await handle.close();
    if (temporary !== undefined) await rm(temporary, { force: true });
  }
}

/** Readable JSON: one line per tensor and per shard (GPT-2 large has 438 tensors). */
export function formatManifest(manifest: ShardManifest): string {
  const lines = Object.entries(manifest).map(([key, value]) => {
    if (Array.isArray(value)) return `  ${JSON.stringify(key)}: [\n${value.map((item) => `    ${JSON.stringify(item)}`).join(',\n')}\n  ]`;
    return `  ${JSON.stringify(key)}: ${JSON.stringify(value)}`;
  });
  return `{\n${lines.join(',\n')}\n}\n`;
}

const OFFLINE_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ENETUNREACH', 'EHOSTUNREACH', 'ECONNRESET', 'ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'CERT_HAS_EXPIRED', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY']);

/** A clear, immediate failure when the host cannot be reached (no retries: offline is not transient). */
export class OfflineError extends Error {
  constructor(url: string, reason: string) {
    const host = new URL(url).host;
    super(
      `cannot reach ${host} (${reason}): this machine looks offline. Downloading a model needs internet access to ${host}; ` +
        'alternatively put config.json and model.safetensors in a directory and run `npm run models:convert -- --input DIR --out models/NAME`',
    );
    this.name = 'OfflineError';
  }
}

/** GET `url` into memory (to === undefined) or a file, with resume on a broken connection. */
async function download(url: string, to: string | undefined, options: ConvertToDirectoryOptions): Promise<Uint8Array> {
  const fetchImpl = options.fetch ?? fetch;
  const log = options.log ?? (() => undefined);
  const timeout = options.connectTimeoutMs ?? 20_000;
  let written = 0;
  let total: number | undefined;
  const file = to === undefined ? undefined : await open(to, 'w');
  const memory: Uint8Array[] = [];
  try {
    for (let attempt = 1; ; attempt++) {
      if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, 1000 * 2 ** (attempt - 2)));
      let response: Response;
      // The timeout covers reaching the server and getting its headers, not the (long) body.
      const connect = new AbortController();
      const timer = setTimeout(() => connect.abort(new DOMException(`no answer in ${timeout} ms`, 'TimeoutError')), timeout);
      try {
        response = await fetchImpl(url, { headers: written > 0 ? { Range: `bytes=${written}-` } : {}, signal: connect.signal, redirect: 'follow' });
      } catch (error) {
        clearTimeout(timer);
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        const code = cause?.code ?? (error as { name?: string }).name;
        const reason = cause?.message ?? (error instanceof Error ? error.message : String(error));
        if (written === 0 && (OFFLINE_CODES.has(code ?? '') || code === 'TimeoutError')) throw new OfflineError(url, reason);
        if (attempt >= 4) throw new Error(`${url}: download failed after ${attempt} attempts (${reason})`);
        continue;
      }
      clearTimeout(timer);
      if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${response.statusText}`.trim());
      if (written > 0 && response.status !== 206) {
        // No resume support: start over.
        written = 0;
        memory.length = 0;
        await file?.truncate(0);
      }
      const length = Number(response.headers.get('content-length') ?? NaN);
      if (Number.isFinite(length)) total = written + length;
      let lastLogged = 0;
      try {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          if (file !== undefined) await file.write(chunk, 0, chunk.byteLength, written);
          else memory.push(chunk);
          written += chunk.byteLength;
          if (total !== undefined && total > 64 * 1024 * 1024 && written - lastLogged > total / 20) {
            lastLogged = written;
            log(`downloading ${url}: ${((100 * written) / total).toFixed(0)}% of ${formatBytes(total)}`);
          }
        }
      } catch (error) {
        if (attempt >= 4) throw new Error(`${url}: download broke off after ${attempt} attempts (${error instanceof Error ? error.message : String(error)})`);
        log(`download of ${url} broke off at ${formatBytes(written)}; resuming`);
        continue;
      }
      if (total !== undefined && written !== total) {
        if (attempt >= 4) throw new Error(`${url}: got ${written} bytes, expected ${total}`);
        continue;
      }
      break;
    }
  } finally {
    await file?.close();
  }
  if (file !== undefined) return new Uint8Array(0);
  const out = new Uint8Array(written);
  let offset = 0;
  for (const chunk of memory) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CheckpointError(path, code === 'ENOENT' ? 'file not found' : `cannot read (${code ?? String(error)})`);
  }
}

async function openFile(path: string): Promise<FileHandle> {
  try {
    await stat(path);
    return await open(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CheckpointError(path, code === 'ENOENT' ? 'file not found' : `cannot read (${code ?? String(error)})`);
  }
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Uint8Array> {
  const buffer = new Uint8Array(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled === length ? buffer : buffer.subarray(0, filled);
}

export async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 22 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}
