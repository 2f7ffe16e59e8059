import { defineConfig } from 'vite';

/**
 * `npm run bench:bundle`: the benchmark as one ES module (dist-bench/bench.mjs) for the GPU machine
 * of ../shared/device, which has Node (from the kit) but no node_modules. dawn.node comes from the
 * kit too (DAWN_NODE), so the `webgpu` package is not bundled.
 */
export default defineConfig({
  publicDir: false,
  build: {
    ssr: 'src/cli/bench.ts',
    outDir: 'dist-bench',
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    rollupOptions: { output: { entryFileNames: 'bench.mjs', inlineDynamicImports: true } },
  },
  ssr: { noExternal: true, external: ['webgpu'] },
});
