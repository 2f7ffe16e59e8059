/**
 * Language models pretrained in this browser (the Pretrain panel, pretrain-worker.ts), kept in
 * IndexedDB as the Hugging Face checkpoint `fpt pretrain` writes (src/engine/lm/checkpoint.ts:
 * config.json + model.safetensors, F32, wte included), under a model id the training worker's
 * model-source.ts recognises. One model id for now, `pretrained-here`: saving again replaces it.
 * Writes are one IndexedDB transaction, so a reader sees the old model or the new one, never half.
 */
import { openDB, type DBSchema } from 'idb';
import { z } from 'zod';
import { readLmCheckpoint } from '../engine/lm/checkpoint';
import type { TensorMap } from '../engine/tensors';
import type { Gpt2Config } from '../weights/gpt2-config';

export { LOCAL_MODEL_ID } from './pretrain-protocol';

export interface LocalModelSummary {
  step: number;
  heldOutBits: number | null;
  corpus: string;
  layers: number;
  width: number;
  heads: number;
  context: number;
  savedAt: string;
}

const recordSchema = z.object({
  id: z.string(),
  config: z.record(z.string(), z.unknown()),
  safetensors: z.instanceof(Uint8Array),
  summary: z.object({
    step: z.number().int().nonnegative(),
    heldOutBits: z.number().nullable(),
    corpus: z.string(),
    layers: z.number().int().positive(),
    width: z.number().int().positive(),
    heads: z.number().int().positive(),
    context: z.number().int().positive(),
    savedAt: z.string(),
  }),
});
type LocalModelRecord = z.infer<typeof recordSchema>;

interface LocalModelsDb extends DBSchema {
  models: { key: string; value: LocalModelRecord };
}

const open = () => openDB<LocalModelsDb>('fpt-local-models', 1, { upgrade: (db) => void db.createObjectStore('models', { keyPath: 'id' }) });

export async function saveLocalModel(id: string, config: Record<string, unknown>, safetensors: Uint8Array, summary: LocalModelSummary): Promise<void> {
  const db = await open();
  try {
    await db.put('models', { id, config, safetensors: safetensors.slice(), summary });
  } finally {
    db.close();
  }
}

/**
 * The stored model as a backbone: its config and GPT-2 body tensors. The token table is left out:
 * an FPT run feeds its own input adapter (inputs_embeds), as with GPT-2's converted shards.
 */
export async function loadLocalModel(id: string): Promise<{ config: Gpt2Config; tensors: TensorMap; summary: LocalModelSummary }> {
  const db = await open();
  const raw = await db.get('models', id).finally(() => db.close());
  if (raw === undefined) throw new Error(`no model "${id}" is stored in this browser: train one in the Pretrain panel first`);
  const parsed = recordSchema.safeParse(raw);
  if (!parsed.success)
    throw new Error(`the stored model "${id}" is damaged (${parsed.error.issues[0].path.join('.')}: ${parsed.error.issues[0].message}); pretrain it again`);
  const { config, tensors } = readLmCheckpoint(parsed.data.config, parsed.data.safetensors, `${id} (this browser)`);
  tensors.delete('wte.weight');
  return { config, tensors, summary: parsed.data.summary };
}
