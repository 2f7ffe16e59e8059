// @ts-check
/**
 * ESLint (flat config). `npm run lint` fixes what it can, `npm run lint:check` (part of `npm test`)
 * only reports; docs/code-style.md explains both and the layer boundaries below.
 *
 * - @eslint/js and typescript-eslint "recommended": the syntactic rules only. The type-aware set
 *   (`LINT_TYPED=1 npx eslint .`) needs a TypeScript program: 3x the CPU time (61 s against 20 s on
 *   the 2-core VM) and 1 GB of memory, and tsc already runs in `npm test`. Use it for audits.
 * - eslint-plugin-react-hooks (rules of hooks, plus the React Compiler's checks) on src/app, the only
 *   folder with React.
 * - No eslint-config-prettier: ESLint 9's and typescript-eslint's recommended sets hold no
 *   formatting rules, so Prettier (prettier.config.js) and ESLint never disagree.
 */
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const TYPED = process.env.LINT_TYPED === '1';

/**
 * Layer boundaries: app -> worker -> engine -> weights, imports only downwards; TF.js only through
 * src/engine/tf.ts. Written with ESLint's own `no-restricted-imports` (plus `no-restricted-syntax` for
 * `import()`), one config block per layer, rather than eslint-plugin-boundaries or import-x's
 * no-restricted-paths: no plugin and no module resolver to keep in step with Vite's (`?url`
 * imports, `.ts` extensions), nothing skipped silently when a path does not resolve, and it costs
 * nothing at lint time. It matches the import's text, so each forbidden folder is a path segment
 * (`../app/x`, `../../app/x`); the folders' names are unique in src/.
 */
const FORBIDDEN = {
  tfjs: {
    regex: '^@tensorflow/',
    message: 'Layer boundary: TF.js is imported only through src/engine/tf.ts (the backends in src/engine/backend.ts).',
  },
  tfModule: {
    regex: '(^|/)engine/tf(\\.ts)?$',
    message: 'Layer boundary: src/app does not touch TF.js; it asks the worker (src/app/training-client.ts).',
  },
  ui: {
    regex: '^(react|react-dom|zustand|recharts|react-error-boundary)(/|$)',
    message: 'Layer boundary: only src/app uses React, zustand or recharts; the engine, weights and worker run without a DOM.',
  },
  app: { regex: '(^|/)app(/|$)', message: 'Layer boundary: nothing imports src/app (layers: app -> worker -> engine -> weights).' },
  worker: {
    regex: '(^|/)worker(/|$)',
    message: 'Layer boundary: src/engine and src/weights do not import src/worker (layers: app -> worker -> engine -> weights).',
  },
  cli: {
    regex: '(^|/)(cli|site)(/|$)',
    message: 'Layer boundary: src/worker, src/engine and src/weights do not import src/cli or src/site (engine and weights tests may).',
  },
  engine: { regex: '(^|/)engine(/|$)', message: 'Layer boundary: src/weights does not import src/engine (layers: app -> worker -> engine -> weights).' },
};

/** Files allowed to import @tensorflow/* directly, and why. */
export const TFJS_GATES = [
  'src/engine/tf.ts', // the one TF.js import
  'src/engine/backend.ts', // registers the webgpu and wasm backends (dynamic imports)
  'src/engine/kernels/webgpu-program.ts', // the WebGPU backend's types, for custom kernels
  'src/worker/wasm-paths.ts', // URLs of the wasm binaries (Vite `?url` assets, no code)
];

/** @type {{ files: string[], forbid: (keyof typeof FORBIDDEN)[], tests?: (keyof typeof FORBIDDEN)[] }[]} */
const LAYERS = [
  { files: ['src/app/**'], forbid: ['tfjs', 'tfModule'] },
  { files: ['src/worker/**'], forbid: ['tfjs', 'ui', 'app', 'cli'] },
  // Tests may reach up for fixtures and tools: engine tests write sweeps with src/cli, weights tests run engine parity.
  { files: ['src/engine/**'], forbid: ['tfjs', 'ui', 'app', 'worker', 'cli'], tests: ['tfjs', 'ui', 'app', 'worker'] },
  { files: ['src/weights/**'], forbid: ['tfjs', 'ui', 'app', 'worker', 'cli', 'engine'], tests: ['tfjs', 'ui', 'app', 'worker'] },
  { files: ['**/*.{ts,tsx,js}'], forbid: ['tfjs'] }, // src/cli, src/site, e2e, scripts, configs
];
const TESTS = ['**/*.test.ts'];

/**
 * One config block: static imports and re-exports by `no-restricted-imports`, `import('...')` by `no-restricted-syntax`.
 * @returns {import('eslint').Linter.Config}
 */
function boundary(/** @type {string[]} */ files, /** @type {string[]} */ ignores, /** @type {(keyof typeof FORBIDDEN)[]} */ names) {
  const rules = names.map((n) => FORBIDDEN[n]);
  return {
    files,
    ignores,
    rules: {
      'no-restricted-imports': ['error', { patterns: rules }],
      'no-restricted-syntax': [
        'error',
        ...rules.map((r) => ({ selector: `ImportExpression[source.value=/${r.regex.replaceAll('/', '\\/')}/]`, message: r.message })),
      ],
    },
  };
}

/**
 * A later block's options replace an earlier one's, so every file falls in exactly one block: its
 * layer's (test files and TF.js gates apart), files of an earlier layer ignored.
 */
const boundaries = LAYERS.flatMap(({ files, forbid, tests }, i) => {
  const outer = LAYERS.slice(0, i).flatMap((l) => l.files);
  const within = (/** @type {string} */ file, /** @type {string[]} */ globs) => globs.some((g) => file.startsWith(g.replace(/\*\*$/, '')));
  const gates = TFJS_GATES.filter((g) => within(g, files) && !within(g, outer));
  return [
    boundary(files, [...outer, ...gates, ...(tests ? TESTS : [])], forbid),
    ...(tests
      ? [
          boundary(
            files.map((f) => `${f}/*.test.ts`),
            outer,
            tests,
          ),
        ]
      : []),
    ...(gates.length
      ? [
          boundary(
            gates,
            outer,
            forbid.filter((n) => n !== 'tfjs'),
          ),
        ]
      : []),
  ];
});

export default defineConfig(
  globalIgnores([
    '**/dist/',
    '**/dist-*/',
    'models/',
    'fixtures/',
    'runs/',
    'sweeps/',
    'screenshots/',
    'test-results/',
    'playwright-report/',
    '.devicekit/',
    '.e2e-root/',
    '.cert/',
  ]),
  js.configs.recommended,
  TYPED ? tseslint.configs.recommendedTypeChecked : tseslint.configs.recommended,
  TYPED
    ? {
        languageOptions: {
          parserOptions: { projectService: { allowDefaultProject: ['*.js', 'vitest.config.ts', 'scripts/*.ts'] }, tsconfigRootDir: import.meta.dirname },
        },
      }
    : {},
  // Config files and plain-JavaScript scripts run in Node.
  { files: ['*.js', 'scripts/**/*.{js,mjs}'], languageOptions: { globals: globals.node } },
  {
    rules: {
      // The code's convention, as tsc's noUnusedLocals/noUnusedParameters read it: a leading `_`
      // marks a deliberately unused name (`{ points: _dropped, ...rest }`, `(_site?: number) =>`).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    files: ['src/app/**/*.{ts,tsx}'],
    ignores: TESTS,
    extends: [reactHooks.configs.flat['recommended-latest']],
    rules: {
      // Two effects copy state in (PresetPicker.tsx, SweepResults.tsx); they belong to the page's
      // rework (issue 15). Shown as warnings until then; make it an error again once they are gone.
      'react-hooks/set-state-in-effect': 'warn',
    },
  },
  ...boundaries,
);
