/**
 * Where the playing page's time goes: opens the built site (served as the e2e serves it) in Chromium
 * with WebGPU (SwiftShader without a GPU), presses Play on the link's settings (none: the untouched
 * default) and, every second for --seconds, reads the step counter, the worker's own ms per step
 * (status bar: the training steps alone) and the latest held-out accuracy. Prints one line per new
 * step count and, at the end, wall seconds per step against the worker's ms per step: the difference
 * is what each step costs around the training (evaluation, screen read-backs, messages, rendering).
 *
 *   bash scripts/serve-static.sh 4321 dist-x /fpt-playground/ &   # the built site
 *   npx tsx scripts/measure-page-speed.ts --url http://127.0.0.1:4321/fpt-playground/ --seconds 120 [--query '?speed=5']
 */
/* global document */
import { chromium } from '@playwright/test';
import { CHROMIUM_LAUNCH } from '../e2e/chromium';

const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const url = opt('--url', 'http://127.0.0.1:4321/fpt-playground/');
const seconds = Number(opt('--seconds', '120'));
const query = opt('--query', '');

const browser = await chromium.launch(CHROMIUM_LAUNCH);
const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
await page.goto(url + query);
await page.getByRole('button', { name: 'Play' }).waitFor({ timeout: 180_000 });
await page
  .locator('.notice.loading')
  .waitFor({ state: 'detached', timeout: 180_000 })
  .catch(() => {});
const read = () =>
  page.evaluate(() => ({
    step: Number(document.querySelector('[data-testid="status-step"]')?.textContent?.replace(/\D/g, '') ?? 0),
    msPerStep: /(\d+) ms\/step/.exec(document.body.innerText)?.[1] ?? null,
    accuracy: /latest ([\d.]+)%/.exec(document.querySelector('[data-testid="latest-accuracy"]')?.textContent ?? '')?.[1] ?? null,
  }));
await page.getByRole('button', { name: 'Play' }).click();
const played = Date.now();
let last = -1;
const rows = [];
while (Date.now() - played < seconds * 1000) {
  const r = await read();
  if (r.step !== last) {
    const t = (Date.now() - played) / 1000;
    rows.push({ t, ...r });
    console.log(`${t.toFixed(1)} s  step ${r.step}  worker ${r.msPerStep} ms/step  latest ${r.accuracy}%`);
    last = r.step;
  }
  await page.waitForTimeout(250);
}
// Leave out the first step (shader compilation): seconds per step from the first row past step 1.
const from = rows.find((r) => r.step >= 2);
const to = rows.at(-1);
if (from && to && to.step > from.step) {
  const workerMs = rows.filter((r) => r.step >= 2 && r.msPerStep).map((r) => Number(r.msPerStep));
  const median = workerMs.sort((a, b) => a - b)[Math.floor(workerMs.length / 2)];
  console.log(
    `steps ${from.step}→${to.step}: ${((1000 * (to.t - from.t)) / (to.step - from.step)).toFixed(0)} ms wall per step in the page; ` +
      `worker's training steps alone ${median} ms/step (median shown); first step came ${rows.find((r) => r.step >= 1)?.t.toFixed(1)} s after Play`,
  );
}
await browser.close();
