/** Sweep results as rows (mean and spread over seeds) and as a Markdown table beside the paper's numbers. */
import type { TaskName } from '../tasks/task';
import type { SweepConfig } from './presets';
import type { CellResult, SweepSettings } from './run';

export interface SummaryRow {
  task: TaskName;
  config: string;
  label: string;
  /** Mean final test accuracy over seeds, in %. */
  mean: number;
  /** Sample standard deviation over seeds, in % (0 for one seed). */
  std: number;
  seeds: number;
  steps: number;
  paper: number | null;
  accuracies: number[];
}

export function summarise(results: readonly CellResult[], configs: readonly SweepConfig[], tasks: readonly TaskName[]): SummaryRow[] {
  const rows: SummaryRow[] = [];
  for (const task of tasks) {
    for (const config of configs) {
      const cells = results.filter((r) => r.task === task && r.config === config.id);
      if (cells.length === 0) continue;
      const acc = cells.map((c) => 100 * c.final.test_acc);
      const mean = acc.reduce((a, b) => a + b, 0) / acc.length;
      const std = acc.length > 1 ? Math.sqrt(acc.reduce((a, b) => a + (b - mean) ** 2, 0) / (acc.length - 1)) : 0;
      rows.push({ task, config: config.id, label: config.label, mean, std, seeds: cells.length, steps: cells[0].settings.steps, paper: config.paper[task] ?? null, accuracies: acc });
    }
  }
  return rows;
}

const TITLES: Record<SweepSettings['preset'], string> = {
  table2: 'Table 2: backbones under the same adapters',
  table19: 'Table 19: cumulative unfreezing',
  depth: 'Depth: number of frozen GPT-2 layers',
};

export function markdownTable(rows: readonly SummaryRow[], settings: SweepSettings): string {
  const lines = [
    `## ${TITLES[settings.preset]}`,
    '',
    `Model \`${settings.model}\`, backend \`${settings.backend}\`, batch ${settings.batchSize}, lr ${settings.lr}, dropout ${settings.dropout}; ` +
      `test accuracy (%) after the last step, mean ± sd over seeds, each over ${settings.evalBatches} held-out batches. Paper: GPT-2 small (docs/fpt-spec.md).`,
    '',
    '| task | configuration | ours (%) | paper (%) | seeds | steps |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows) {
    const ours = r.seeds > 1 ? `${r.mean.toFixed(1)} ± ${r.std.toFixed(1)}` : r.mean.toFixed(1);
    lines.push(`| ${r.task} | ${r.label} | ${ours} | ${r.paper === null ? '—' : r.paper} | ${r.seeds} | ${r.steps} |`);
  }
  return lines.join('\n') + '\n';
}
