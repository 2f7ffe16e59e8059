import { afterEach, describe, expect, it, vi } from 'vitest';
import { benchCpu, CPU_CASES, cpuRow } from './bench-cpu';

describe('bench cpu: the line per case', () => {
  it('gives the three columns’ medians and the ratios', () => {
    const torch = { times: [2, 4, 3], threads: 2, version: '1.13', python: '/usr/bin/python3' };
    const row = cpuRow('tiny', [300, 100, 200], [20, 10, 30], 'SIMD, 1 thread', torch);
    expect(row).toEqual({
      case: 'tiny',
      cpu_ms_median: 200,
      wasm_ms_median: 20,
      wasm_backend: 'SIMD, 1 thread',
      wasm_speedup_over_cpu: 10,
      torch_ms_median: 3,
      torch_threads: 2,
      torch_version: '1.13',
      torch_python: '/usr/bin/python3',
      wasm_over_torch: 6.67,
      cpu_over_torch: 66.67,
      samples_per_column: 3,
    });
  });

  it('says why the PyTorch column is missing', () => {
    const row = cpuRow('mini', [9], [3], 'SIMD, 1 thread', { skipped: 'PyTorch not found' });
    expect(row.torch).toBe('skipped: PyTorch not found');
    expect(row.wasm_speedup_over_cpu).toBe(3);
    expect(row).not.toHaveProperty('wasm_over_torch');
  });
});

describe('npm run bench -- cpu --json', () => {
  afterEach(() => vi.restoreAllMocks());

  it('prints a header and one JSON line per case with the cpu and wasm columns', async () => {
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
    const code = await benchCpu(['--json', '--steps', '1', '--rounds', '1', '--warmup', '0', '--case', 'tiny', '--no-torch']);
    expect(code).toBe(0);
    expect(lines).toHaveLength(2);
    const [header, row] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(header).toMatchObject({ benchmark: 'cpu-train-step', steps: 1, warmup: 0, dropout: 0 });
    expect(row.case).toBe(CPU_CASES[0].name);
    for (const key of ['cpu_ms_median', 'wasm_ms_median', 'wasm_speedup_over_cpu', 'load_average_1m']) expect(typeof row[key], key).toBe('number');
    expect(row.cpu_ms_median as number).toBeGreaterThan(0);
    expect(row.wasm_backend).toMatch(/SIMD|no SIMD/);
    expect(row.torch).toBe('skipped: --no-torch');
    expect(row.samples_per_column).toBe(1);
  }, 60_000);
});
