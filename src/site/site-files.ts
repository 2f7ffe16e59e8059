/**
 * Node-only: what the static site carries besides the bundle, so that any static file server (at the
 * site's root or under a sub-path) serves a working page: converted models (the tiny one always; GPT-2
 * shards when `npm run site` has them), finished sweeps and a static sweeps index. The dev and preview
 * servers answer the same URLs from the checkout (static-roots.ts), with the index made per request.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/** The base the site in `dir` was built with (Vite's --base), read from its index.html. */
export function builtBase(dir: string): string {
  const index = join(dir, 'index.html');
  const html = isFile(index) ? readFileSync(index, 'utf8') : '';
  const m = /<script[^>]+src="([^"]*?)assets\/[^"]+\.js"/.exec(html);
  if (!m || !m[1].startsWith('/')) throw new Error(`${index} is not a site built by \`npm run build\` (no /…/assets/ script): build it first`);
  return m[1];
}

/** One finished sweep; `url` is relative to the index's own URL (sweeps/index.json). */
export interface SweepIndexEntry {
  name: string;
  url: string;
  modified: string;
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** The sweeps with finished tables (<root>/<name>/results.json), newest first. */
export function sweepIndex(root: string): SweepIndexEntry[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((name) => SAFE_NAME.test(name) && isFile(join(root, name, 'results.json')))
    .map((name) => ({ name, url: `${encodeURIComponent(name)}/results.json`, modified: statSync(join(root, name, 'results.json')).mtime.toISOString() }))
    .sort((a, b) => b.modified.localeCompare(a.modified));
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Just what copying needs from a shard manifest (src/weights/shard-manifest.ts validates the rest). */
const ManifestFiles = z.object({ shards: z.array(z.object({ file: z.string().regex(SAFE_NAME) })).min(1) });

/** The files of a converted model: manifest.json, config.json when present, and every shard it lists. */
export function modelFiles(dir: string): string[] {
  const manifestPath = join(dir, 'manifest.json');
  if (!isFile(manifestPath)) throw new Error(`${dir} holds no manifest.json: convert the model first (README, Models and weights)`);
  const parsed = ManifestFiles.safeParse(JSON.parse(readFileSync(manifestPath, 'utf8')));
  if (!parsed.success) throw new Error(`${manifestPath} lists no valid shard files`);
  const files = ['manifest.json', ...(isFile(join(dir, 'config.json')) ? ['config.json'] : []), ...parsed.data.shards.map((s) => s.file)];
  for (const f of files) if (!isFile(join(dir, f))) throw new Error(`${join(dir, f)} is missing: convert the model again`);
  return files;
}

export interface SiteFilesReport {
  models: { name: string; files: number; bytes: number }[];
  sweeps: number;
}

/**
 * Copies models/<name> for each name in `models`, and every finished sweep (results.json and
 * results.md), from the checkout at `root` into the built site at `outDir`; writes sweeps/index.json.
 */
export function copySiteFiles(root: string, outDir: string, models: readonly string[]): SiteFilesReport {
  const report: SiteFilesReport = { models: [], sweeps: 0 };
  for (const name of models) {
    if (!SAFE_NAME.test(name)) throw new Error(`not a model name: ${JSON.stringify(name)}`);
    const from = join(root, 'models', name);
    const to = join(outDir, 'models', name);
    mkdirSync(to, { recursive: true });
    let bytes = 0;
    const files = modelFiles(from);
    for (const f of files) {
      copyFileSync(join(from, f), join(to, f));
      bytes += statSync(join(to, f)).size;
    }
    report.models.push({ name, files: files.length, bytes });
  }
  const sweepsRoot = join(root, 'sweeps');
  const index = sweepIndex(sweepsRoot);
  mkdirSync(join(outDir, 'sweeps'), { recursive: true });
  for (const entry of index) {
    mkdirSync(join(outDir, 'sweeps', entry.name), { recursive: true });
    for (const f of ['results.json', 'results.md']) {
      if (isFile(join(sweepsRoot, entry.name, f))) copyFileSync(join(sweepsRoot, entry.name, f), join(outDir, 'sweeps', entry.name, f));
    }
  }
  writeFileSync(join(outDir, 'sweeps', 'index.json'), `${JSON.stringify(index, null, 1)}\n`);
  report.sweeps = index.length;
  return report;
}
