/**
 * `npm run site [-- --base /fpt-playground/] [--require-gpt2 | --no-gpt2]`: the deployable site in
 * dist/, as .github/workflows/deploy.yml publishes it. GPT-2 small is converted to F16 shards once
 * (`npm run models:gpt2`, about 172 MB, kept in models/gpt2) and copied into the site, so the page
 * loads it from its own origin and caches it; the tiny model, MNIST digits and finished sweeps are
 * always in. Offline, GPT-2 is skipped with one line and the site is still built (the page then reads
 * GPT-2 from the hub when it is online). Any other argument goes to `vite build`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const args = process.argv.slice(2);
const requireGpt2 = args.includes('--require-gpt2');
const noGpt2 = args.includes('--no-gpt2');
const viteArgs = args.filter((a) => a !== '--require-gpt2' && a !== '--no-gpt2');
const GPT2_MANIFEST = 'models/gpt2/manifest.json';

function gpt2Shards(): boolean {
  if (noGpt2) {
    console.log('site: GPT-2 small skipped (--no-gpt2).');
    return false;
  }
  if (existsSync(GPT2_MANIFEST)) {
    console.log(`site: GPT-2 small from ${GPT2_MANIFEST} (converted earlier).`);
    return true;
  }
  console.log('site: converting GPT-2 small from huggingface.co (npm run models:gpt2, about 172 MB)...');
  const run = spawnSync('npm', ['run', '--silent', 'models:gpt2'], { encoding: 'utf8', stdio: ['ignore', 'inherit', 'pipe'] });
  if (run.status === 0 && existsSync(GPT2_MANIFEST)) return true;
  const stderr = run.stderr ?? '';
  if (/looks offline|cannot reach huggingface\.co/.test(stderr) && !requireGpt2) {
    console.log(
      'site: GPT-2 small skipped: huggingface.co cannot be reached from here; the site is built without its shards, and the page fetches GPT-2 from the hub when it is online.',
    );
    return false;
  }
  process.stderr.write(stderr);
  console.error('site: converting GPT-2 small failed (above); no site was built.');
  process.exit(1);
}

const withGpt2 = gpt2Shards();
const build = spawnSync('npx', ['vite', 'build', ...viteArgs], {
  stdio: 'inherit',
  env: { ...process.env, FPT_SITE_MODELS: withGpt2 ? 'gpt2' : '' },
});
if (build.status !== 0) process.exit(build.status ?? 1);
console.log(`site: the built site is ready for any static host${withGpt2 ? ', with GPT-2 small' : ''} (README, Deploy).`);
