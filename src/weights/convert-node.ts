/**
 * Node-only front end of the converter: reads a local Hugging Face checkpoint (directory or
 * model.safetensors file) or downloads one from a URL (the hub), then writes
 * `<out>/shard-NNN.bin`, `<out>/config.json` and, last, `<out>/manifest.json`. Everything is written
 * into a fresh work directory beside --out and moved in only when complete; files in --out that the
 * converter did not write are never replaced, and nothing is written through a symbolic link.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, statSync, type Stats } from 'node:fs';
import { lstat, mkdir, open, readdir, readFile, rename, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { concatBytes } from './bytes';
import { FptError } from './errors';
import { CheckpointError } from './checkpoint-error';
import { convertGpt2ToShards, type ConvertOptions } from './convert';
import { readAt, readSafetensorsHeaderFrom } from './safetensors-node';
import { MANIFEST_FILE, ShardManifestSchema, type ShardManifest } from './shard-manifest';

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
  const target = resolve(out);
  const parent = dirname(target);
  // A conversion killed earlier is cleaned up (its set-aside files put back) before --out is looked at.
  if (existsSync(parent)) await removeAbandonedWorkDirs(parent, target);
  let configText: string;
  let url: string | undefined;
  let localWeights: string | undefined;
  if (isUrl(input)) {
    url = input;
    const configUrl = options.config ?? new URL('config.json', input).href;
    // config.json first: it is small, so an offline machine fails at once, before any large download.
    configText = isUrl(configUrl) ? new TextDecoder().decode(await download(configUrl, undefined, options)) : await readText(configUrl);
  } else {
    const isDir = existsSync(input) && statSync(input).isDirectory();
    localWeights = isDir ? join(input, 'model.safetensors') : input;
    const configPath = options.config ?? join(isDir ? input : dirname(input), 'config.json');
    configText = isUrl(configPath) ? new TextDecoder().decode(await download(configPath, undefined, options)) : await readText(configPath);
  }
  let configJson: Record<string, unknown>;
  try {
    configJson = JSON.parse(configText) as Record<string, unknown>;
  } catch (error) {
    throw new CheckpointError(options.config ?? 'config.json', `not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  // Refuse a --out we must not write into before any large download or conversion.
  const existing = await inspectOutput(target, configText);

  // Everything is written into a fresh sibling directory and moved into --out only once complete, so
  // a failed (re-)conversion leaves --out exactly as it was and nothing else behind.
  const createdParent = await mkdir(parent, { recursive: true });
  const work = join(parent, `.${basename(target)}${WORK_MARK}${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(work);
  try {
    let weightsPath = localWeights;
    if (url !== undefined) {
      weightsPath = join(work, `.download-${basename(new URL(url).pathname) || 'model.safetensors'}.partial`);
      await download(url, weightsPath, options);
    }
    const { manifest, files } = await convertInto(work, weightsPath!, url, configJson, configText, options, log);
    if (url !== undefined) await rm(weightsPath!);
    await installConversion(work, target, files, existing);
    return { manifest, dir: out, ms: performance.now() - started };
  } catch (error) {
    await rm(work, { recursive: true, force: true });
    if (createdParent !== undefined) await rm(createdParent, { recursive: true, force: true });
    throw error;
  }
}

/** Marks a converter's work directory: `.<out name>.converting-<pid>-<random>`, beside --out. */
const WORK_MARK = '.converting-';
/** The files a conversion writes besides its shards. */
const CONVERTER_FILES = [MANIFEST_FILE, 'config.json'];

async function convertInto(
  work: string,
  weightsPath: string,
  url: string | undefined,
  configJson: Record<string, unknown>,
  configText: string,
  options: ConvertToDirectoryOptions,
  log: (line: string) => void,
): Promise<{ manifest: ShardManifest; files: string[] }> {
  const handle = await openFile(weightsPath);
  try {
    const size = (await handle.stat()).size;
    const header = await readSafetensorsHeaderFrom(handle, size, url ?? weightsPath);
    log(`hashing ${url ?? weightsPath} (${formatBytes(size)})`);
    const sha256 = await hashFile(weightsPath);
    const files: string[] = [];
    const manifest = await convertGpt2ToShards(
      {
        header,
        read: (begin, end) => readAt(handle, header.dataStart + begin, end - begin),
        configJson,
        description: { file: url ? basename(new URL(url).pathname) : basename(weightsPath), ...(url ? { url } : {}), bytes: size, sha256 },
      },
      options,
      async (shard) => {
        await writeFile(join(work, shard.file), shard.bytes, { flag: 'wx' });
        files.push(shard.file);
        log(`wrote ${shard.file} (${formatBytes(shard.bytes.byteLength)}, sha256 ${shard.sha256.slice(0, 12)}…)`);
      },
    );
    await writeFile(join(work, 'config.json'), configText, { flag: 'wx' });
    await writeFile(join(work, MANIFEST_FILE), formatManifest(manifest), { flag: 'wx' });
    // The manifest last: moved into place last, its presence means the directory is complete.
    return { manifest, files: [...files, 'config.json', MANIFEST_FILE] };
  } finally {
    await handle.close();
  }
}

/** What --out holds now: nothing, or a directory and the files an earlier conversion wrote there. */
interface ExistingOutput {
  exists: boolean;
  /** Files listed by the manifest there (shards), plus manifest.json and config.json when it has one. */
  converterFiles: Set<string>;
}

async function inspectOutput(target: string, configText: string): Promise<ExistingOutput> {
  const info = await lstatOrUndefined(target);
  if (info === undefined) return { exists: false, converterFiles: new Set() };
  if (info.isSymbolicLink()) {
    throw new CheckpointError(target, '--out is a symbolic link; the converter never writes through links: give the directory it points to, or another --out');
  }
  if (!info.isDirectory()) throw new CheckpointError(target, '--out exists and is not a directory');
  const converterFiles = new Set<string>();
  const manifestInfo = await lstatOrUndefined(join(target, MANIFEST_FILE));
  if (manifestInfo?.isFile()) {
    converterFiles.add(MANIFEST_FILE).add('config.json');
    try {
      const old = JSON.parse(await readFile(join(target, MANIFEST_FILE), 'utf8')) as { shards?: { file?: unknown }[] };
      for (const shard of Array.isArray(old.shards) ? old.shards : []) {
        if (typeof shard?.file === 'string' && /^shard-\d+\.bin$/.test(shard.file)) converterFiles.add(shard.file);
      }
    } catch {
      // A damaged manifest owns only itself and config.json: unlisted shards are left alone.
    }
  }
  // Converting in place (--out is the checkpoint's own directory): its config.json is the very text
  // the converter writes, so replacing it loses nothing.
  const config = await lstatOrUndefined(join(target, 'config.json'));
  if (config?.isFile() && (await readFile(join(target, 'config.json'), 'utf8')) === configText) converterFiles.add('config.json');
  for (const name of CONVERTER_FILES) await refuseForeign(target, name, converterFiles);
  return { exists: true, converterFiles };
}

/** A file of that name in --out that the converter did not write (or any link) is never replaced. */
async function refuseForeign(target: string, name: string, converterFiles: Set<string>): Promise<void> {
  const info = await lstatOrUndefined(join(target, name));
  if (info === undefined) return;
  if (info.isSymbolicLink()) {
    throw new CheckpointError(target, `${name} there is a symbolic link; the converter never writes through links: remove it or choose another --out`);
  }
  if (!converterFiles.has(name) || !info.isFile()) {
    throw new CheckpointError(
      target,
      `already holds ${name}, which no earlier conversion there wrote (no manifest.json lists it); move it away or choose another --out`,
    );
  }
}

/**
 * Moves a finished conversion from `work` into `target`. A new --out is one rename. An existing one
 * keeps every file the converter did not write; the earlier conversion's files are set aside first
 * (manifest.json first, so the directory never looks complete with mixed shards), the new ones moved
 * in (manifest.json last), and the old ones deleted only then. If a move fails, the old files go back.
 */
async function installConversion(work: string, target: string, files: string[], existing: ExistingOutput): Promise<void> {
  if (!existing.exists) {
    await rename(work, target);
    return;
  }
  for (const name of files) await refuseForeign(target, name, existing.converterFiles);
  const replaced = `${work}.replaced`;
  await mkdir(replaced);
  const setAside: string[] = [];
  const movedIn: string[] = [];
  const oldFiles = [MANIFEST_FILE, ...[...existing.converterFiles].filter((name) => name !== MANIFEST_FILE)];
  try {
    for (const name of oldFiles) {
      if ((await lstatOrUndefined(join(target, name))) === undefined) continue;
      await rename(join(target, name), join(replaced, name));
      setAside.push(name);
    }
    for (const name of files) {
      await rename(join(work, name), join(target, name));
      movedIn.push(name);
    }
  } catch (error) {
    for (const name of movedIn) await rename(join(target, name), join(work, name)).catch(() => undefined);
    for (const name of setAside.reverse()) await rename(join(replaced, name), join(target, name)).catch(() => undefined);
    await rm(replaced, { recursive: true, force: true });
    throw error;
  }
  await rm(replaced, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
}

/**
 * Work directories of conversions into the same --out whose process is gone (killed, power cut). A
 * process killed in the middle of installConversion may have set the earlier conversion's files
 * aside: when --out has no manifest.json (the new one never arrived), they all go back, replacing
 * any new shard already moved in, before the rest is removed.
 */
async function removeAbandonedWorkDirs(parent: string, target: string): Promise<void> {
  const prefix = `.${basename(target)}${WORK_MARK}`;
  for (const name of await readdir(parent)) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length).split('-')[0]);
    if (!Number.isSafeInteger(pid) || pid <= 0 || processIsAlive(pid)) continue;
    const dir = join(parent, name);
    const incomplete = (await lstatOrUndefined(target))?.isDirectory() && (await lstatOrUndefined(join(target, MANIFEST_FILE))) === undefined;
    if (name.endsWith('.replaced') && incomplete) {
      for (const file of await readdir(dir)) await rename(join(dir, file), join(target, file));
    }
    await rm(dir, { recursive: true, force: true });
  }
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function lstatOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Readable JSON: one line per tensor and per shard (GPT-2 large has 438 tensors). */
export function formatManifest(manifest: ShardManifest): string {
  // The writer holds itself to the schema the readers apply.
  const lines = Object.entries(ShardManifestSchema.parse(manifest)).map(([key, value]) => {
    if (Array.isArray(value)) return `  ${JSON.stringify(key)}: [\n${value.map((item) => `    ${JSON.stringify(item)}`).join(',\n')}\n  ]`;
    return `  ${JSON.stringify(key)}: ${JSON.stringify(value)}`;
  });
  return `{\n${lines.join(',\n')}\n}\n`;
}

const OFFLINE_CODES = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNREFUSED',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ECONNRESET',
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'CERT_HAS_EXPIRED',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
]);

/** A clear, immediate failure when the host cannot be reached (no retries: offline is not transient). */
export class OfflineError extends FptError {
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
  return concatBytes(memory);
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
