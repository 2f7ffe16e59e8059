/**
 * models:convert never loses an earlier conversion and never writes where it should not: a failed
 * (re-)conversion leaves --out byte for byte as it was and nothing beside it; files in --out that the
 * converter did not write are never replaced; nothing is written through a symbolic link.
 */
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointError } from './checkpoint-error';
import { loadGpt2CheckpointDir, loadGpt2ManifestDir } from './checkpoint-node';
import { convertToDirectory } from './convert-node';
import { startLocalServer } from './local-server';
import { tensorDifferences, TINY_CONVERT_OPTIONS, writeF16OverflowCheckpoint } from './shard-test-support';
import { TINY_GPT2_DIR, TINY_WEIGHTS_PATH } from './test-fixtures';

/** name -> bytes of every entry of a directory (files only; links and directories by kind). */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const entries = new Map<string, string>();
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    entries.set(entry.name, entry.isFile() ? (await readFile(join(dir, entry.name))).toString('base64') : entry.isSymbolicLink() ? 'link' : 'dir');
  }
  return entries;
}

describe('models:convert keeps --out safe', () => {
  let scratch = '';
  let failing = '';
  let golden: Awaited<ReturnType<typeof loadGpt2CheckpointDir>>;
  // Fails on its 4th tensor (F16 overflow), after shard-000 .. shard-002 were written (one tensor per shard).
  const failingOptions = { dtype: 'F16', shardBytes: 16 } as const;
  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'fpt-convert-atomic-'));
    golden = await loadGpt2CheckpointDir(TINY_GPT2_DIR);
    failing = join(scratch, 'failing-src');
    await mkdir(failing);
    await writeF16OverflowCheckpoint(failing, 'h.0.attn.c_attn.weight');
  });
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it('a failed re-conversion leaves the earlier good one exactly as it was, and nothing beside it', async () => {
    const parent = join(scratch, 'reconvert');
    const out = join(parent, 'tiny');
    await convertToDirectory(TINY_GPT2_DIR, out, TINY_CONVERT_OPTIONS);
    const before = await snapshot(out);
    const attempt = convertToDirectory(failing, out, failingOptions);
    await expect(attempt).rejects.toBeInstanceOf(CheckpointError);
    await expect(attempt).rejects.toThrow(/tensor "h.0.attn.c_attn.weight": 48 finite values exceed the F16 range/);
    expect(await snapshot(out)).toEqual(before);
    expect(await readdir(parent)).toEqual(['tiny']);
    const loaded = await loadGpt2ManifestDir(out);
    expect(tensorDifferences(loaded.tensors, golden.tensors)).toEqual([]);
  });

  it('a failed first conversion leaves no directory, no work files, and removes the parents it created', async () => {
    const out = join(scratch, 'fresh-parent', 'deeper', 'tiny');
    await expect(convertToDirectory(failing, out, failingOptions)).rejects.toThrow(/exceed the F16 range/);
    expect(existsSync(join(scratch, 'fresh-parent'))).toBe(false);
    expect((await readdir(scratch)).sort()).not.toContain('fresh-parent');
  });

  it('a download that fails leaves neither the directory nor a .partial file', async () => {
    const server = await startLocalServer({
      files: new Map([['/m/config.json', new Uint8Array(readFileSync(join(TINY_GPT2_DIR, 'config.json')))]]),
    });
    try {
      const parent = join(scratch, 'download');
      await mkdir(parent);
      await expect(convertToDirectory(`${server.url}/m/model.safetensors`, join(parent, 'tiny'), TINY_CONVERT_OPTIONS)).rejects.toThrow(/HTTP 404/);
      expect(await readdir(parent)).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('re-converting keeps files it did not write and drops only its own earlier shards', async () => {
    const out = join(scratch, 'keep-notes');
    await convertToDirectory(TINY_GPT2_DIR, out, TINY_CONVERT_OPTIONS);
    await writeFile(join(out, 'NOTES.md'), 'my notes');
    await writeFile(join(out, 'shard-099.bin'), 'not the converter’s');
    await convertToDirectory(TINY_GPT2_DIR, out, { dtype: 'F16' });
    expect((await readdir(out)).sort()).toEqual(['NOTES.md', 'config.json', 'manifest.json', 'shard-000.bin', 'shard-099.bin']);
    expect(await readFile(join(out, 'NOTES.md'), 'utf8')).toBe('my notes');
    expect(await readFile(join(out, 'shard-099.bin'), 'utf8')).toBe('not the converter’s');
    expect((await loadGpt2ManifestDir(out)).manifest.dtype).toBe('F16');
  });

  it('refuses to replace a file of the same name that no earlier conversion wrote, naming it', async () => {
    const out = join(scratch, 'foreign');
    await mkdir(out);
    await writeFile(join(out, 'shard-000.bin'), 'precious');
    const attempt = convertToDirectory(TINY_GPT2_DIR, out, TINY_CONVERT_OPTIONS);
    await expect(attempt).rejects.toBeInstanceOf(CheckpointError);
    await expect(attempt).rejects.toThrow(
      `${out}: already holds shard-000.bin, which no earlier conversion there wrote (no manifest.json lists it); move it away or choose another --out`,
    );
    expect(await readdir(out)).toEqual(['shard-000.bin']);
    expect(await readFile(join(out, 'shard-000.bin'), 'utf8')).toBe('precious');
    expect((await readdir(scratch)).some((name) => name.includes('.converting-'))).toBe(false);
  });

  it('converts in place: beside model.safetensors in the checkpoint’s own directory (same config.json)', async () => {
    const dir = join(scratch, 'in-place');
    await cp(TINY_GPT2_DIR, dir, { recursive: true });
    await convertToDirectory(dir, dir, TINY_CONVERT_OPTIONS);
    expect((await readdir(dir)).filter((name) => !name.startsWith('shard-')).sort()).toEqual([
      'config.json',
      'golden.json',
      'manifest.json',
      'model.safetensors',
    ]);
    expect(tensorDifferences((await loadGpt2ManifestDir(dir)).tensors, golden.tensors)).toEqual([]);
    expect(await readFile(join(dir, 'model.safetensors'))).toEqual(readFileSync(TINY_WEIGHTS_PATH));
  });

  it('never writes through a symbolic link: neither --out itself nor a file in it', async () => {
    const elsewhere = join(scratch, 'elsewhere');
    await mkdir(elsewhere);
    await writeFile(join(elsewhere, 'config.json'), 'outside the model directory');
    const linkedOut = join(scratch, 'linked-out');
    await symlink(elsewhere, linkedOut);
    await expect(convertToDirectory(TINY_GPT2_DIR, linkedOut, TINY_CONVERT_OPTIONS)).rejects.toThrow(`${linkedOut}: --out is a symbolic link`);

    const out = join(scratch, 'linked-file');
    await convertToDirectory(TINY_GPT2_DIR, out, TINY_CONVERT_OPTIONS);
    await rm(join(out, 'config.json'));
    await symlink(join(elsewhere, 'config.json'), join(out, 'config.json'));
    await expect(convertToDirectory(TINY_GPT2_DIR, out, { dtype: 'F16' })).rejects.toThrow(`${out}: config.json there is a symbolic link`);
    expect(await snapshot(elsewhere)).toEqual(new Map([['config.json', Buffer.from('outside the model directory').toString('base64')]]));
    expect((await loadGpt2ManifestDir(out)).manifest.dtype).toBe('F32');
  });

  it('a conversion killed while moving files in: the next conversion puts the earlier one back first', async () => {
    const parent = join(scratch, 'killed-installing');
    const out = join(parent, 'tiny');
    await convertToDirectory(TINY_GPT2_DIR, out, TINY_CONVERT_OPTIONS);
    const before = await snapshot(out);
    // What a kill between the moves leaves: the old manifest, config and two shards set aside, one new shard moved in.
    const setAside = join(parent, `.tiny.converting-${2 ** 22 + 1}-cafe.replaced`);
    await mkdir(setAside);
    for (const name of ['manifest.json', 'config.json', 'shard-000.bin', 'shard-001.bin']) await rename(join(out, name), join(setAside, name));
    await writeFile(join(out, 'shard-000.bin'), 'a new shard');
    await writeFile(join(out, 'config.json'), '{"a new": "config"}');
    await expect(convertToDirectory(failing, out, failingOptions)).rejects.toThrow(/exceed the F16 range/);
    expect(await snapshot(out)).toEqual(before);
    expect(await readdir(parent)).toEqual(['tiny']);
  });

  it('a conversion killed half-way leaves a work directory that the next conversion removes', async () => {
    const parent = join(scratch, 'killed');
    // A pid that cannot be running: above Linux's pid_max (2^22).
    const abandoned = join(parent, `.tiny.converting-${2 ** 22 + 1}-deadbeef`);
    await mkdir(abandoned, { recursive: true });
    await cp(TINY_WEIGHTS_PATH, join(abandoned, '.download-model.safetensors.partial'));
    await convertToDirectory(TINY_GPT2_DIR, join(parent, 'tiny'), TINY_CONVERT_OPTIONS);
    expect(await readdir(parent)).toEqual(['tiny']);
  });
});
