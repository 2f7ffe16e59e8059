import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runParity } from '../engine/parity';
import { loadGolden, useBackend } from '../engine/test-support';
import { resolveModel } from '../cli/models';
import { convertToDirectory } from './convert-node';
import { loadGpt2FromManifest } from './load-manifest';
import { startLocalServer } from './local-server';
import { COMMITTED_TINY_DIR, directoryFiles, TINY_CONVERT_OPTIONS } from './shard-test-support';
import { TINY_GPT2_DIR } from './test-fixtures';
import { MemoryWeightCache } from './weight-cache';

describe('tiny GPT-2: convert -> serve -> load in the browser loader -> golden parity on cpu', () => {
  let scratch = '';
  afterAll(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('matches PyTorch float64 on every golden case', async () => {
    await useBackend('cpu');
    scratch = await mkdtemp(join(tmpdir(), 'fpt-parity-'));
    const out = join(scratch, 'tiny');
    await convertToDirectory(TINY_GPT2_DIR, out, TINY_CONVERT_OPTIONS);
    const server = await startLocalServer({ files: directoryFiles(out, '/models/tiny') });
    try {
      const { config, tensors, stats } = await loadGpt2FromManifest(`${server.url}/models/tiny/manifest.json`, { cache: new MemoryWeightCache() });
      expect(stats.shardsFromNetwork).toBe(6);
      const report = await runParity(config, tensors, loadGolden());
      expect(report.cases.map((c) => c.name)).toEqual(['classify-fpt', 'bitxor-fpt', 'classify-output-only', 'classify-all']);
      const failures = report.cases.flatMap((c) => c.quantities.filter((q) => !q.ok).map((q) => `${c.name} ${q.quantity}: ${q.maxAbsError}`));
      expect(failures).toEqual([]);
      expect(report.ok).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('fpt --model accepts the committed converted directory, `tiny`, and a raw Hugging Face directory alike', async () => {
    const converted = await resolveModel(COMMITTED_TINY_DIR, true);
    const tiny = await resolveModel('tiny', true);
    const raw = await resolveModel(TINY_GPT2_DIR, true);
    // An embedded model is labelled as what it is: the tiny checkpoint's weights are random.
    expect(converted.label).toBe(`${COMMITTED_TINY_DIR} (random test model (2 layers, 64 wide))`);
    expect(tiny.label).toBe(converted.label);
    for (const model of [converted, tiny]) {
      expect(model.config).toEqual(raw.config);
      expect([...model.checkpoint!.tensors.keys()]).toEqual([...raw.checkpoint!.tensors.keys()]);
      for (const [name, t] of raw.checkpoint!.tensors) expect(model.checkpoint!.tensors.get(name)!.data, name).toEqual(t.data);
    }
    await expect(resolveModel(join(tmpdir(), 'no-such-model'), true)).rejects.toThrow(
      /expected manifest\.json and shards from `npm run models:convert`, or config\.json and model\.safetensors/,
    );
  });
});
