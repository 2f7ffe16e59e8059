/** Fixtures shared by the run tests (autosave, run history). */
import type { RunSettings } from '../../worker/protocol';

/** The settings of a small bit-XOR run on the tiny test model; `groups` says which groups it trains. */
export function bitXorSettings(groups: RunSettings['groups']): RunSettings {
  return { task: 'bit-xor', bits: 5, model: 'tiny-gpt2', init: 'random', batchSize: 16, lr: 0.003, seed: 0, groups, backend: 'auto' };
}
