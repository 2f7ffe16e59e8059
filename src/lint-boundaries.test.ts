/**
 * The layer boundaries of eslint.config.js (app -> worker -> engine -> weights, TF.js only through
 * src/engine/tf.ts), run through ESLint's Node API on snippets placed at paths in each layer.
 */
import { existsSync } from 'node:fs';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url);
const eslint = new ESLint({ cwd: root.pathname });

const TFJS = 'Layer boundary: TF.js is imported only through src/engine/tf.ts (the backends in src/engine/backend.ts).';
const TF_MODULE = 'Layer boundary: src/app does not touch TF.js; it asks the worker (src/app/training-client.ts).';
const UI = 'Layer boundary: only src/app uses React, zustand or recharts; the engine, weights and worker run without a DOM.';
const APP = 'Layer boundary: nothing imports src/app (layers: app -> worker -> engine -> weights).';
const WORKER = 'Layer boundary: src/engine and src/weights do not import src/worker (layers: app -> worker -> engine -> weights).';
const ENGINE = 'Layer boundary: src/weights does not import src/engine (layers: app -> worker -> engine -> weights).';

/** Every problem ESLint reports for `code` saved as `filePath`, as "rule: message". */
async function problems(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe('layer boundaries (eslint.config.js)', () => {
  it('stop src/app importing TF.js, statically or with import(), and src/engine/tf.ts', async () => {
    expect(await problems('src/app/components/Bad.tsx', "import * as tfjs from '@tensorflow/tfjs';\nexport const t = tfjs;\n")).toEqual([
      `no-restricted-imports: '@tensorflow/tfjs' import is restricted from being used by a pattern. ${TFJS}`,
    ]);
    expect(await problems('src/app/bad.ts', "export const load = () => import('@tensorflow/tfjs-backend-webgpu');\n")).toEqual([
      `no-restricted-syntax: ${TFJS}`,
    ]);
    expect(await problems('src/app/components/Bad.tsx', "import { tf } from '../../engine/tf';\nexport const t = tf;\n")).toEqual([
      `no-restricted-imports: '../../engine/tf' import is restricted from being used by a pattern. ${TF_MODULE}`,
    ]);
    // What the page does today: types and pure modules of the engine, the worker's protocol.
    expect(
      await problems(
        'src/app/ok.ts',
        "import type { TaskName } from '../engine/tasks/task';\nimport type { BackendChoice } from '../worker/protocol';\nexport type T = [TaskName, BackendChoice];\n",
      ),
    ).toEqual([]);
  });

  it('stop src/engine importing React, zustand or recharts, src/app or src/worker', async () => {
    expect(await problems('src/engine/bad.ts', "import { useState } from 'react';\nexport const s = useState;\n")).toEqual([
      `no-restricted-imports: 'react' import is restricted from being used by a pattern. ${UI}`,
    ]);
    expect(await problems('src/engine/kernels/bad.ts', "export { create } from 'zustand';\nexport * from 'react-dom/client';\n")).toEqual([
      `no-restricted-imports: 'zustand' import is restricted from being used by a pattern. ${UI}`,
      `no-restricted-imports: 'react-dom/client' import is restricted from being used by a pattern. ${UI}`,
    ]);
    expect(
      await problems(
        'src/engine/train/bad.ts',
        "import { usePlayground } from '../../app/store';\nimport type { Snapshot } from '../../worker/protocol';\nexport type S = [Snapshot, typeof usePlayground];\n",
      ),
    ).toEqual([
      `no-restricted-imports: '../../app/store' import is restricted from being used by a pattern. ${APP}`,
      `no-restricted-imports: '../../worker/protocol' import is restricted from being used by a pattern. ${WORKER}`,
    ]);
    expect(await problems('src/engine/bad.ts', "export const load = () => import('recharts');\n")).toEqual([`no-restricted-syntax: ${UI}`]);
  });

  it('let only the gate files import TF.js, and src/worker and src/cli use src/engine/tf.ts', async () => {
    expect(await problems('src/engine/tf.ts', "export * as tf from '@tensorflow/tfjs';\n")).toEqual([]);
    expect(await problems('src/engine/backend.ts', "export const load = () => import('@tensorflow/tfjs-backend-wasm');\n")).toEqual([]);
    expect(await problems('src/engine/model-2.ts', "export * as tf from '@tensorflow/tfjs';\n")).toEqual([
      `no-restricted-imports: '@tensorflow/tfjs' import is restricted from being used by a pattern. ${TFJS}`,
    ]);
    expect(await problems('src/cli/bad.ts', "import * as tfjs from '@tensorflow/tfjs';\nexport const t = tfjs;\n")).toEqual([
      `no-restricted-imports: '@tensorflow/tfjs' import is restricted from being used by a pattern. ${TFJS}`,
    ]);
    expect(await problems('src/worker/ok.ts', "import { tf } from '../engine/tf';\nexport const t = tf;\n")).toEqual([]);
    expect(await problems('src/cli/ok.ts', "import { tf } from '../engine/tf';\nexport const t = tf;\n")).toEqual([]);
    // The allowlist names files that exist (a renamed gate would otherwise leave a dead entry).
    const { TFJS_GATES } = (await import(new URL('eslint.config.js', root).href)) as { TFJS_GATES: string[] };
    expect(TFJS_GATES.filter((gate) => !existsSync(new URL(gate, root)))).toEqual([]);
  });

  it('stop src/worker importing src/app, and src/weights importing src/engine outside its tests', async () => {
    expect(await problems('src/worker/bad.ts', "import { usePlayground } from '../app/store';\nexport const p = usePlayground;\n")).toEqual([
      `no-restricted-imports: '../app/store' import is restricted from being used by a pattern. ${APP}`,
    ]);
    const weights = "import { runParity } from '../engine/parity';\nexport const p = runParity;\n";
    expect(await problems('src/weights/bad.ts', weights)).toEqual([
      `no-restricted-imports: '../engine/parity' import is restricted from being used by a pattern. ${ENGINE}`,
    ]);
    expect(await problems('src/weights/parity.test.ts', weights)).toEqual([]);
    expect(await problems('src/weights/bad.test.ts', "import { usePlayground } from '../app/store';\nexport const p = usePlayground;\n")).toEqual([
      `no-restricted-imports: '../app/store' import is restricted from being used by a pattern. ${APP}`,
    ]);
  });
});
