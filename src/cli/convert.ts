/**
 * `npm run models:convert -- --input PATH_OR_URL --out models/NAME [--dtype f16|f32] [--shard-mb N] [--keep-wte]`
 * `npm run models:gpt2` (and -medium, -large): the same, straight from the Hugging Face hub
 * (`--hub REPO [--revision REV]`; HF_ENDPOINT overrides https://huggingface.co as in huggingface_hub).
 */
import { parseArgs } from 'node:util';
import { DEFAULT_SHARD_BYTES } from '../weights/convert';
import { convertToDirectory, formatBytes } from '../weights/convert-node';
import { hubFileUrl } from '../weights/load-hub';

const USAGE = `usage:
  models:convert --input DIR|FILE|URL --out models/NAME [--dtype f16|f32] [--shard-mb N] [--keep-wte] [--config PATH|URL] [--json]
  models:convert --hub gpt2|gpt2-medium|gpt2-large|OWNER/REPO [--revision main] --out models/NAME [...]
    --input    a Hugging Face GPT-2 checkpoint: a directory with config.json + model.safetensors, the
               .safetensors file (config.json beside it), or its URL (config.json fetched beside it)
    --dtype    storage of the shards: f16 (default, half the download) or f32 (exact)
    --shard-mb target shard size in MiB (default ${DEFAULT_SHARD_BYTES / 2 ** 20}); fractions allowed
    --keep-wte keep the token embedding table (FPT never uses it; dropped by default)`;

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      input: { type: 'string' },
      hub: { type: 'string' },
      revision: { type: 'string', default: 'main' },
      out: { type: 'string' },
      dtype: { type: 'string', default: 'f16' },
      'shard-mb': { type: 'string' },
      'keep-wte': { type: 'boolean', default: false },
      config: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if ((values.input === undefined) === (values.hub === undefined) || values.out === undefined) {
    console.error(USAGE);
    return 2;
  }
  const dtype = values.dtype!.toUpperCase();
  if (dtype !== 'F16' && dtype !== 'F32') throw new Error(`--dtype must be f16 or f32, not "${values.dtype}"`);
  const shardMb = values['shard-mb'] === undefined ? DEFAULT_SHARD_BYTES / 2 ** 20 : Number(values['shard-mb']);
  if (!(shardMb > 0)) throw new Error(`--shard-mb must be a positive number, not "${values['shard-mb']}"`);
  const input = values.input ?? hubFileUrl({ repo: values.hub, revision: values.revision, endpoint: process.env.HF_ENDPOINT });
  const log = (line: string) => console.error(line);
  log(`converting ${input} -> ${values.out} (${dtype}, shards of ${shardMb} MiB${values['keep-wte'] ? ', keeping wte' : ''})`);
  const { manifest, dir, ms } = await convertToDirectory(input, values.out, {
    dtype,
    shardBytes: Math.round(shardMb * 2 ** 20),
    keepWte: values['keep-wte'],
    config: values.config,
    log,
  });
  const summary = {
    out: dir,
    dtype: manifest.dtype,
    tensors: manifest.tensors.length,
    shards: manifest.shards.length,
    bytes: manifest.totalBytes,
    source_bytes: manifest.source.bytes,
    source_sha256: manifest.source.sha256,
    wte: manifest.tensors.some((t) => t.name === 'wte.weight'),
    ms: Math.round(ms),
  };
  if (values.json) console.log(JSON.stringify(summary));
  else
    console.log(
      `wrote ${dir}/manifest.json: ${summary.tensors} tensors in ${summary.shards} shard${summary.shards === 1 ? '' : 's'}, ${formatBytes(summary.bytes)} ${summary.dtype} ` +
        `(source ${formatBytes(summary.source_bytes)}, sha256 ${summary.source_sha256.slice(0, 16)}…), ${(ms / 1000).toFixed(1)} s`,
    );
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`models:convert: ${err.message}`);
    process.exit(1);
  },
);
