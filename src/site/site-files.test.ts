import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { copySiteFiles, modelFiles, sweepIndex } from './site-files';

const repo = resolve(import.meta.dirname, '../..');
const made: string[] = [];
const scratch = () => {
  const dir = mkdtempSync(join(tmpdir(), 'fpt-site-'));
  made.push(dir);
  return dir;
};
afterEach(() => made.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("the static site's own files", () => {
  it('copies the committed tiny model exactly: its manifest, config and the six shards it lists', () => {
    const out = scratch();
    const report = copySiteFiles(repo, out, ['tiny-gpt2']);
    const files = readdirSync(join(out, 'models', 'tiny-gpt2')).sort();
    expect(files).toEqual([
      'config.json',
      'manifest.json',
      'shard-000.bin',
      'shard-001.bin',
      'shard-002.bin',
      'shard-003.bin',
      'shard-004.bin',
      'shard-005.bin',
    ]);
    for (const f of files) expect(readFileSync(join(out, 'models', 'tiny-gpt2', f)).equals(readFileSync(join(repo, 'models', 'tiny-gpt2', f)))).toBe(true);
    expect(report.models).toEqual([
      { name: 'tiny-gpt2', files: 8, bytes: files.reduce((n, f) => n + readFileSync(join(repo, 'models', 'tiny-gpt2', f)).byteLength, 0) },
    ]);
  });

  it('writes a static sweeps index, newest first, with URLs relative to it, and copies the tables', () => {
    const root = scratch();
    const out = scratch();
    for (const [name, time] of [
      ['older', 1_000],
      ['newer', 2_000],
    ] as const) {
      mkdirSync(join(root, 'sweeps', name), { recursive: true });
      writeFileSync(join(root, 'sweeps', name, 'results.json'), `{"name":"${name}"}`);
      writeFileSync(join(root, 'sweeps', name, 'results.md'), `# ${name}`);
      utimesSync(join(root, 'sweeps', name, 'results.json'), time, time);
    }
    mkdirSync(join(root, 'sweeps', 'unfinished', 'cells'), { recursive: true });
    const report = copySiteFiles(root, out, []);
    expect(report).toEqual({ models: [], sweeps: 2 });
    const index = JSON.parse(readFileSync(join(out, 'sweeps', 'index.json'), 'utf8'));
    expect(index.map((e: { name: string; url: string }) => [e.name, e.url])).toEqual([
      ['newer', 'newer/results.json'],
      ['older', 'older/results.json'],
    ]);
    expect(readFileSync(join(out, 'sweeps', 'older', 'results.json'), 'utf8')).toBe('{"name":"older"}');
    expect(readFileSync(join(out, 'sweeps', 'newer', 'results.md'), 'utf8')).toBe('# newer');
    expect(sweepIndex(join(root, 'absent'))).toEqual([]);
  });

  it('refuses a model that is not converted, a shard name that leaves the folder, and a missing shard', () => {
    const root = scratch();
    const dir = join(root, 'models', 'm');
    mkdirSync(dir, { recursive: true });
    expect(() => copySiteFiles(root, scratch(), ['m'])).toThrow(`${dir} holds no manifest.json: convert the model first`);
    expect(() => copySiteFiles(root, scratch(), ['../m'])).toThrow('not a model name: "../m"');
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ shards: [{ file: '../../secret' }] }));
    expect(() => modelFiles(dir)).toThrow(`${join(dir, 'manifest.json')} lists no valid shard files`);
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ shards: [{ file: 'shard-000.bin' }] }));
    expect(() => modelFiles(dir)).toThrow(`${join(dir, 'shard-000.bin')} is missing: convert the model again`);
    writeFileSync(join(dir, 'shard-000.bin'), 'x');
    expect(modelFiles(dir)).toEqual(['manifest.json', 'shard-000.bin']);
  });
});
