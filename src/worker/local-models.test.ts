import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { describe, expect, it } from 'vitest';
import { lmConfigJson, lmSafetensors } from '../engine/lm/checkpoint';
import { initLmTensors, lmConfig } from '../engine/lm/language-model';
import { loadLocalModel, LOCAL_MODEL_ID, saveLocalModel } from './local-models';

const config = lmConfig({ layers: 1, width: 8, heads: 2, positions: 16 });
const tensors = initLmTensors(config, 3);
const summary = { step: 7, heldOutBits: 4.2, corpus: 'brown (page slice)', layers: 1, width: 8, heads: 2, context: 8, savedAt: '2026-11-29T21:00:00.000Z' };
const provenance = { tokenizer: 'bytes', corpus: 'brown', context: 8, steps: 7, seed: 3 };

describe('models pretrained in this browser (IndexedDB)', () => {
  it('a stored model loads back as a backbone: its config and every body tensor, exactly, without the token table', async () => {
    await saveLocalModel(LOCAL_MODEL_ID, lmConfigJson(config, 256, provenance), lmSafetensors(config, tensors), summary);
    const loaded = await loadLocalModel(LOCAL_MODEL_ID);
    expect(loaded.config).toEqual(config);
    expect(loaded.summary).toEqual(summary);
    expect(loaded.tensors.has('wte.weight')).toBe(false);
    expect([...loaded.tensors.keys()].sort()).toEqual([...tensors.keys()].filter((n) => n !== 'wte.weight').sort());
    const name = 'h.0.attn.c_attn.weight';
    expect(loaded.tensors.get(name)!.shape).toEqual([8, 24]);
    expect(Array.from(loaded.tensors.get(name)!.data)).toEqual(Array.from(tensors.get(name)!.data));
  });

  it('saving again replaces the model', async () => {
    const other = initLmTensors(config, 4);
    await saveLocalModel(LOCAL_MODEL_ID, lmConfigJson(config, 256, provenance), lmSafetensors(config, other), { ...summary, step: 9 });
    const loaded = await loadLocalModel(LOCAL_MODEL_ID);
    expect(loaded.summary.step).toBe(9);
    expect(Array.from(loaded.tensors.get('wpe.weight')!.data)).toEqual(Array.from(other.get('wpe.weight')!.data));
  });

  it('a missing or damaged model is a message naming what to do', async () => {
    await expect(loadLocalModel('nothing-here')).rejects.toThrow('no model "nothing-here" is stored in this browser: train one in the Pretrain panel first');
    const db = await openDB('fpt-local-models', 1);
    await db.put('models', { id: 'broken', config: {}, safetensors: 'not bytes', summary });
    db.close();
    await expect(loadLocalModel('broken')).rejects.toThrow('the stored model "broken" is damaged (safetensors:');
  });
});
