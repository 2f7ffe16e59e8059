/** Sweep results as rows (mean and spread over seeds) and as a Markdown table beside the paper's numbers. */
import { MNIST_DATA_NOTE, paperSource, STEPS_TO_CONVERGE } from '../paper-numbers';
import type { TaskName } from '../tasks/task';
import type { SweepConfig } from './presets';
import type { CellResult, SweepSettings } from './run';

export interface SummaryRow {
  task: TaskName;
  config: string;
  label: string;
  /** Mean final test accuracy over seeds, in %, each over the sweep's evalBatches held-out batches. */
  mean: number;
  /** Sample standard deviation over seeds, in % (0 for one seed). */
  std: number;
  seeds: number;
  steps: number;
  /**
   * Mean accuracy (%) on the whole held-out set after the last step (the paper's evaluation), and how
   * many examples that is; null for cells written before it existed.
   */
  heldOut: { mean: number; examples: number; set: string } | null;
  /** The paper's number (%), or null where the paper reports none for this configuration and task. */
  paper: number | null;
  /** Where the paper's number comes from: table, row, column, model size, convergence. */
  paperSource: string | null;
  accuracies: number[];
}

const meanOf = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

export function summarise(results: readonly CellResult[], configs: readonly SweepConfig[], tasks: readonly TaskName[]): SummaryRow[] {
  const rows: SummaryRow[] = [];
  for (const task of tasks) {
    for (const config of configs) {
      const cells = results.filter((r) => r.task === task && r.config === config.id);
      if (cells.length === 0) continue;
      const acc = cells.map((c) => 100 * c.final.test_acc);
      const mean = meanOf(acc);
      const std = acc.length > 1 ? Math.sqrt(acc.reduce((a, b) => a + (b - mean) ** 2, 0) / (acc.length - 1)) : 0;
      const held = cells.every((c) => c.held_out) ? cells.map((c) => c.held_out!) : null;
      const paper = config.paper[task];
      rows.push({
        task,
        config: config.id,
        label: config.label,
        mean,
        std,
        seeds: cells.length,
        steps: cells[0].settings.steps,
        heldOut: held ? { mean: meanOf(held.map((h) => 100 * h.accuracy)), examples: held[0].examples, set: held[0].set } : null,
        paper: paper?.value ?? null,
        paperSource: paper ? paperSource(paper) : null,
        accuracies: acc,
      });
    }
  }
  return rows;
}

const TITLES: Record<SweepSettings['preset'], string> = {
  table2: 'Table 2 and its baselines: frozen bodies (Tables 2 and 9), from scratch and LSTM (Table 1), pretrained with everything trained (Table 13)',
  table19: 'Tables 19 and 21: cumulative unfreezing',
  depth: 'Depth on ListOps (§3.10, Tables 11 and 12)',
};

export function markdownTable(rows: readonly SummaryRow[], settings: SweepSettings): string {
  const lines = [
    `## ${TITLES[settings.preset]}`,
    '',
    `Model \`${settings.model}\`, backend \`${settings.backend}\`, batch ${settings.batchSize}, lr ${settings.lr} (LSTM ${settings.lstmLr ?? 3e-4}), dropout ${settings.dropout}, ` +
      `random GPT-2 bodies drawn by the ${settings.randomInit === 'hf-scaled' ? 'Hugging Face scheme (c_proj N(0, 0.02/√(2·n_layer)))' : "paper's scheme (every weight N(0, 0.02))"}. ` +
      `"last eval": test accuracy after the last step on ${settings.evalBatches} held-out batches of ${settings.batchSize}, mean ± sd over seeds; ` +
      `"held-out": the whole held-out set after the last step (n examples; a fixed sample for generated tasks). ` +
      `The paper's numbers are converged runs on the full test set unless the source says otherwise; its source gives table, row, column and model.`,
    '',
    '| task | configuration | last eval (%) | held-out (%) | paper (%) | seeds | steps | paper source |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  const notes = new Set<string>();
  for (const r of rows) {
    const ours = r.seeds > 1 ? `${r.mean.toFixed(1)} ± ${r.std.toFixed(1)}` : r.mean.toFixed(1);
    const held = r.heldOut ? `${r.heldOut.mean.toFixed(1)} (n=${r.heldOut.examples})` : '—';
    lines.push(`| ${r.task} | ${r.label} | ${ours} | ${held} | ${r.paper === null ? '—' : r.paper} | ${r.seeds} | ${r.steps} | ${r.paperSource ?? '—'} |`);
    const paperSteps = STEPS_TO_CONVERGE.pretrained[r.task];
    if (paperSteps !== undefined && r.steps < paperSteps / 10)
      notes.add(
        `${r.task}: ${r.steps} steps here; the paper's FPT took about ${paperSteps} steps to converge (random bodies ${STEPS_TO_CONVERGE.random[r.task]}; Table 6), so these runs are far from converged.`,
      );
    if (r.task === 'mnist') notes.add(`mnist: ${MNIST_DATA_NOTE}.`);
  }
  if (notes.size > 0) lines.push('', ...[...notes].map((n) => `- ${n}`));
  return lines.join('\n') + '\n';
}
