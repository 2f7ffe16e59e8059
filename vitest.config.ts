import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'scripts/**/*.test.ts'],
    environment: 'node',
    testTimeout: 600_000,
    hookTimeout: 120_000,
    // Tests share one GPU adapter (SwiftShader) and two cores: run files one after another.
    fileParallelism: false,
  },
});
