/**
 * A sweep's files (Node): `DIR/cells/<cell id>.json`, one per finished cell, each written to a
 * temporary name and renamed, so an interruption leaves whole cells only; then `DIR/results.json`
 * (settings, per-configuration summary, every cell with its curve) and `DIR/results.md` (the table).
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TaskName } from '../engine/tasks/task';
import type { SweepConfig } from '../engine/sweep/presets';
import { runSweep, type CellResult, type CellStore, type SweepCell, type SweepOutcome, type SweepSettings } from '../engine/sweep/run';
import { markdownTable, summarise, type SummaryRow } from '../engine/sweep/table';

async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}

export function fileCellStore(dir: string): CellStore {
  const cells = join(dir, 'cells');
  return {
    async read(id) {
      try {
        return JSON.parse(await readFile(join(cells, `${id}.json`), 'utf8')) as CellResult;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
    },
    async write(result) {
      await mkdir(cells, { recursive: true });
      await writeAtomic(join(cells, `${result.id}.json`), JSON.stringify(result) + '\n');
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
}

export interface SweepFiles extends SweepOutcome {
  rows: SummaryRow[];
  jsonPath: string;
  markdownPath: string;
}

/** Runs (or resumes) a sweep into a directory and writes results.json and results.md. */
export async function sweepToDir(opts: SweepToDirOptions): Promise<SweepFiles> {
  await mkdir(opts.outDir, { recursive: true });
  const outcome = await runSweep(opts.cells, opts.settings, fileCellStore(opts.outDir), opts.runCell, opts.log);
  const rows = summarise(outcome.results, opts.configs, opts.tasks);
  const jsonPath = join(opts.outDir, 'results.json');
  const markdownPath = join(opts.outDir, 'results.md');
  await writeAtomic(jsonPath, JSON.stringify({ settings: opts.settings, summary: rows, cells: outcome.results }, null, 1) + '\n');
  await writeAtomic(markdownPath, markdownTable(rows, opts.settings));
  return { ...outcome, rows, jsonPath, markdownPath };
}
