/**
 * A sweep's files (Node): `DIR/cells/<cell id>.json`, one per finished cell (format: src/engine/sweep/cell-file.ts),
 * each written to a temporary name and renamed, so an interruption leaves whole cells only; then
 * `DIR/results.json` (settings, per-configuration summary, every cell with its curve) and
 * `DIR/results.md` (the table), each checked against its schema before it is written.
 *
 * Several machines: each runs a shard of the grid (`shardCells`) into its own directory;
 * `mergeSweepDirs` copies their cells, each checked like a resumed one, into one directory and writes
 * the table there (docs/sweeps-on-a-cluster.md).
 */
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FptError } from '../engine/errors';
import type { TaskName } from '../engine/tasks/task';
import type { SweepConfig } from '../engine/sweep/presets';
import { decodeCellFile, describeIssues, encodeCellFile, MAX_CELL_FILE_BYTES, sweepResultsSchema } from '../engine/sweep/cell-file';
import {
  cellMismatch,
  runSweep,
  settingsDifferences,
  type CellResult,
  type CellStore,
  type SweepCell,
  type SweepOutcome,
  type SweepSettings,
} from '../engine/sweep/run';
import { markdownTable, summarise, type SummaryRow } from '../engine/sweep/table';

async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  try {
    await writeFile(tmp, text);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

export function fileCellStore(dir: string): CellStore {
  const cells = join(dir, 'cells');
  const where = (id: string) => join(cells, `${id}.json`);
  return {
    where,
    async read(id) {
      let text: string;
      try {
        const size = (await stat(where(id))).size;
        if (size > MAX_CELL_FILE_BYTES)
          throw new FptError(`${where(id)}: ${size} bytes, more than any sweep cell file (${MAX_CELL_FILE_BYTES}); not a cell, not read`);
        text = await readFile(where(id), 'utf8');
      } catch (err) {
        if (err instanceof FptError) throw err;
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw new FptError(`${where(id)}: cannot be read (${(err as Error).message})`);
      }
      return decodeCellFile(text, where(id), id);
    },
    async write(result) {
      const text = await encodeCellFile(result, where(result.id));
      await mkdir(cells, { recursive: true });
      await writeAtomic(where(result.id), text);
    },
  };
}

export interface SweepToDirOptions {
  outDir: string;
  cells: readonly SweepCell[];
  configs: readonly SweepConfig[];
  tasks: readonly TaskName[];
  settings: SweepSettings;
  runCell: (cell: SweepCell) => Promise<CellResult>;
  log?: (message: string) => void;
  /** false for a shard: its cells only, the table comes from the merge (default true). */
  writeResults?: boolean;
}

export interface SweepFiles extends SweepOutcome {
  rows: SummaryRow[];
  /** Absent for a shard (writeResults false). */
  jsonPath?: string;
  markdownPath?: string;
}

/** results.json and results.md for finished cells; results.json is checked against its schema first. */
async function writeResultFiles(
  outDir: string,
  results: readonly CellResult[],
  configs: readonly SweepConfig[],
  tasks: readonly TaskName[],
  settings: SweepSettings,
) {
  const rows = summarise(results, configs, tasks);
  const jsonPath = join(outDir, 'results.json');
  const markdownPath = join(outDir, 'results.md');
  const json = { settings, summary: rows, cells: results };
  const check = sweepResultsSchema.safeParse(JSON.parse(JSON.stringify(json)));
  if (!check.success) throw new FptError(`${jsonPath}: refusing to write invalid results (${describeIssues(check.error)})`);
  await writeAtomic(jsonPath, JSON.stringify(json, null, 1) + '\n');
  await writeAtomic(markdownPath, markdownTable(rows, settings));
  return { rows, jsonPath, markdownPath };
}

/** Runs (or resumes) a sweep into a directory and writes results.json and results.md. */
export async function sweepToDir(opts: SweepToDirOptions): Promise<SweepFiles> {
  await mkdir(opts.outDir, { recursive: true });
  const outcome = await runSweep(opts.cells, opts.settings, fileCellStore(opts.outDir), opts.runCell, opts.log);
  if (opts.writeResults === false) return { ...outcome, rows: summarise(outcome.results, opts.configs, opts.tasks) };
  return { ...outcome, ...(await writeResultFiles(opts.outDir, outcome.results, opts.configs, opts.tasks, opts.settings)) };
}

export interface MergeOptions {
  /** The shards' output directories, in order: when two hold the same cell, the first one's is kept. */
  dirs: readonly string[];
  outDir: string;
  /** The whole grid, planned exactly as the shards planned it. */
  cells: readonly SweepCell[];
  configs: readonly SweepConfig[];
  tasks: readonly TaskName[];
  settings: SweepSettings;
  log?: (message: string) => void;
}

export interface MergeOutcome extends Required<Pick<SweepFiles, 'rows' | 'jsonPath' | 'markdownPath'>> {
  results: CellResult[];
  /** Cells copied into outDir (those it already held are not counted). */
  copied: string[];
  /** Cell files of the shards that are not in this grid (another --tasks, --seeds, ...), ignored. */
  ignored: string[];
}

/**
 * Joins shard directories into outDir: every cell file is checked (its schema and sha256, its place,
 * the grid's settings) before anything is copied; a cell of other settings is refused, naming the file.
 * Writes results.json and results.md only when the whole grid is there; otherwise names the missing
 * cells and leaves outDir's results untouched (the copied cells stay: a later merge or resume uses them).
 */
export async function mergeSweepDirs(opts: MergeOptions): Promise<MergeOutcome> {
  const log = opts.log ?? (() => {});
  const planned = new Map(opts.cells.map((c) => [c.id, c]));
  const out = fileCellStore(opts.outDir);
  const found = new Map<string, { result: CellResult; where: string }>();
  const bad: string[] = [];
  const ignored: string[] = [];
  const accept = (result: CellResult, where: string) => {
    const cell = planned.get(result.id);
    if (!cell) return void ignored.push(where);
    const mismatch = cellMismatch(result, cell, opts.settings);
    const differs = settingsDifferences(result.settings, opts.settings);
    if (mismatch) bad.push(`${where}: ${mismatch}, not what cell ${cell.id} of this sweep is`);
    else if (differs.length > 0) bad.push(`${where}: made with other settings (${differs.join(', ')})`);
    else if (!found.has(result.id)) found.set(result.id, { result, where });
  };
  for (const cell of opts.cells) {
    try {
      const held = await out.read(cell.id);
      if (held) accept(held, out.where(cell.id));
    } catch (err) {
      if (!(err instanceof FptError)) throw err;
      bad.push(err.message);
    }
  }
  const already = new Set(found.keys());
  for (const dir of opts.dirs) {
    const store = fileCellStore(dir);
    let names: string[];
    try {
      names = (await readdir(join(dir, 'cells'))).filter((n) => n.endsWith('.json')).sort();
    } catch (err) {
      throw new FptError(
        `--merge: ${join(dir, 'cells')} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); is ${dir} a sweep directory?`,
      );
    }
    for (const name of names) {
      const id = name.slice(0, -'.json'.length);
      try {
        const result = await store.read(id);
        if (result) accept(result, store.where(id));
      } catch (err) {
        if (!(err instanceof FptError)) throw err;
        bad.push(err.message);
      }
    }
  }
  if (bad.length > 0) throw new FptError(`--merge refused ${bad.length} cell file(s), nothing was copied:\n  ${bad.join('\n  ')}`);
  if (ignored.length > 0)
    log(`ignoring ${ignored.length} cell file(s) that are not in this grid (other --tasks, --seeds, --steps, --preset?), e.g. ${ignored[0]}`);
  const copied: string[] = [];
  for (const [id, { result }] of found) {
    if (already.has(id)) continue;
    await out.write(result);
    copied.push(id);
  }
  const missing = opts.cells.filter((c) => !found.has(c.id)).map((c) => c.id);
  log(
    `merged ${copied.length} cell(s) into ${opts.outDir} (${already.size} were there); ${opts.cells.length - missing.length} of ${opts.cells.length} cells present`,
  );
  if (missing.length > 0) {
    const list = missing.slice(0, 5).join(', ') + (missing.length > 5 ? `, and ${missing.length - 5} more` : '');
    throw new FptError(
      `--merge: ${missing.length} of ${opts.cells.length} cells are missing (${list}); run their shards again, or resume this sweep without --merge into ${opts.outDir} to compute them there. No results were written.`,
    );
  }
  const results = opts.cells.map((c) => found.get(c.id)!.result);
  const backends = [...new Set(results.map((r) => r.settings.backend))];
  const files = await writeResultFiles(opts.outDir, results, opts.configs, opts.tasks, { ...opts.settings, backend: backends.join('+') });
  return { ...files, results, copied, ignored };
}
