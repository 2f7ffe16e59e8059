/**
 * The checkpoints committed under models/ and embedded in the built site, with the one name each is
 * shown under (page, CLI, run names). One source of truth, so random weights are never called
 * "pretrained" anywhere: models/tiny-gpt2 holds random weights made for the golden tests;
 * models/mini-brown-gpt2 was pretrained on English (the Brown Corpus) by `fpt pretrain` (README).
 */

export interface EmbeddedModel {
  /** Directory under models/ (and the page's `model` setting). */
  dir: string;
  /** What it is, in words, for labels. */
  label: string;
  /** Short form for run names and status lines. */
  short: string;
  /** Whether its own weights were trained on text. */
  languagePretrained: boolean;
}

export const RANDOM_TEST_MODEL: EmbeddedModel = {
  dir: 'tiny-gpt2',
  label: 'random test model (2 layers, 64 wide)',
  short: 'random test model',
  languagePretrained: false,
};

export const MINI_BROWN_MODEL: EmbeddedModel = {
  dir: 'mini-brown-gpt2',
  label: 'mini GPT-2 pretrained on English here (4 layers, 128 wide)',
  short: 'mini English GPT-2',
  languagePretrained: true,
};

export const EMBEDDED_MODELS: readonly EmbeddedModel[] = [MINI_BROWN_MODEL, RANDOM_TEST_MODEL];

export function embeddedModel(dir: string): EmbeddedModel | undefined {
  return EMBEDDED_MODELS.find((m) => m.dir === dir);
}

/**
 * What a body is called: the init for GPT-2 checkpoints ("pretrained", "random", "statistics"),
 * but a checkpoint's own weights are "pretrained" only when they were trained on text.
 */
export function initLabel(model: string, init: 'pretrained' | 'random' | 'statistics'): string {
  const known = embeddedModel(model);
  if (init === 'pretrained' && known && !known.languagePretrained) return 'random test weights';
  return init;
}
