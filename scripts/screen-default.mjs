#!/usr/bin/env node
/**
 * Screens candidate default backbones for the page (docs/default-backbone.md): runs `fpt train --json`
 * on Bit XOR with the page's evaluation (every 10 steps, 8 held-out batches) and stops a candidate at
 * its first evaluation at 100% per-bit test accuracy, or at --steps. Prints one JSON line per candidate:
 * steps and wall seconds to 100% (null if not reached), and the best accuracy seen.
 *
 *   node scripts/screen-default.mjs --backend wasm --steps 1000 'mini-fpt:--model models/mini-brown-gpt2 --lr 1e-3 --batch 16' ...
 */
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  if (i < 0) return dflt;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const backend = opt('--backend', 'wasm');
const steps = opt('--steps', '1000');
const seed = opt('--seed', '0');
/** Each evaluation line, with its wall seconds, goes to LOG_DIR/<candidate>.jsonl when given. */
const logDir = opt('--log-dir', null);

for (const spec of args) {
  const [name, rest] = [spec.slice(0, spec.indexOf(':')), spec.slice(spec.indexOf(':') + 1)];
  // node itself with tsx's loader (not npx): killing the child then stops the training.
  const argv = [
    '--import',
    'tsx',
    'src/cli/fpt.ts',
    'train',
    '--task',
    'bit-xor',
    '--json',
    '--backend',
    backend,
    '--steps',
    steps,
    '--seed',
    seed,
    '--eval-every',
    '10',
    '--eval-batches',
    '8',
    ...rest.split(/\s+/).filter(Boolean),
  ];
  const started = performance.now();
  const result = await new Promise((resolve) => {
    const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
    let firstEval = null;
    let best = 0;
    let last = null;
    let buf = '';
    let done = null;
    child.stdout.on('data', (d) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (!line.startsWith('{')) continue;
        const rec = JSON.parse(line);
        if (rec.final) continue;
        const t = (performance.now() - started) / 1000;
        if (logDir) appendFileSync(`${logDir}/${name}.jsonl`, `${JSON.stringify({ ...rec, seconds: +t.toFixed(1) })}\n`);
        firstEval ??= t;
        best = Math.max(best, rec.test_acc);
        last = rec;
        if (rec.test_acc >= 0.9999 && !done) {
          done = { step: rec.step, seconds: t };
          child.kill('SIGTERM');
        }
      }
    });
    child.on('exit', () => resolve({ done, best, lastStep: last?.step ?? 0, firstEvalSeconds: firstEval }));
  });
  const total = (performance.now() - started) / 1000;
  console.log(
    JSON.stringify({
      candidate: name,
      args: rest,
      backend,
      seed: Number(seed),
      stepsTo100: result.done?.step ?? null,
      secondsTo100: result.done ? +result.done.seconds.toFixed(1) : null,
      bestAcc: result.best,
      lastStep: result.lastStep,
      seconds: +total.toFixed(1),
      secondsPerStep: +((total - (result.firstEvalSeconds ?? 0)) / Math.max(1, (result.done?.step ?? result.lastStep) - 10)).toFixed(3),
    }),
  );
}
