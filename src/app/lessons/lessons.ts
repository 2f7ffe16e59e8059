/**
 * The guided lessons. Numbers in the explanations are the paper's (Lu et al. 2021: Tables 2, 6
 * and 19, Figures 3 and 5, Section 3.2), as docs/fpt-spec.md also lists them.
 */
import { FPT_DEFAULT_GROUPS, type GroupName } from '../../engine/groups';
import type { Lesson, LessonSnapshot } from './types';

const groupsAre = (s: LessonSnapshot, groups: readonly GroupName[]) =>
  s.settings.groups.length === groups.length && groups.every((g) => s.settings.groups.includes(g));
const onBitXor = (s: LessonSnapshot) => s.settings.task === 'bit-xor';
const gpt2 = (s: LessonSnapshot, init: 'pretrained' | 'random') => s.settings.model === 'gpt2' && s.settings.init === init;

export const BIT_XOR_ATTENTION: Lesson = {
  id: 'bit-xor-attention',
  title: 'Bit XOR: how does frozen attention learn to XOR?',
  summary:
    'Train only the output head, add the other small parts back one at a time, then look at where layer 0 attends. Any backbone works; pretrained GPT-2 small gives the paper’s picture.',
  uses: ['groups', 'layer'],
  steps: [
    {
      id: 'output-only',
      task: 'On Bit XOR, untick every part but the Output head, then press Play and train at least 10 steps.',
      why: 'Now only a linear read-out of frozen features learns. With pretrained GPT-2 the paper gets 56% on Bit XOR this way (Table 19, “output only” column, GPT-2 small, converged), where guessing gives 50%: a linear head on frozen features does better than chance, but little.',
      when: (s) => s.ready && onBitXor(s) && groupsAre(s, ['output']),
      trainSteps: 10,
    },
    {
      id: 'add-layernorm',
      task: 'Tick Layer norms as well and train on (10 more steps).',
      why: 'Layer-norm gains and biases rescale and shift the features entering every block, adapting the frozen body to the new data. In the paper this alone takes Bit XOR from 56% to 98% (Table 19, “+ layernorm” column, GPT-2 small).',
      when: (s) => s.ready && onBitXor(s) && groupsAre(s, ['output', 'layernorm']),
      trainSteps: 10,
    },
    {
      id: 'fpt-setting',
      task: 'Tick Input layer and Positional embeddings too (the paper’s FPT setting) and train 10 more steps. Steps per update 10 or 25 goes faster.',
      why: 'Output bit i needs input bits aᵢ and bᵢ, and only the positions tell tokens apart: the paper reports 98% with the input layer added and 100% with the positions (Table 19, “+ input” and “+ positions” columns, GPT-2 small).',
      when: (s) => s.ready && onBitXor(s) && groupsAre(s, FPT_DEFAULT_GROUPS),
      trainSteps: 10,
    },
    {
      id: 'layer0-compare',
      task: 'In Attention, show layer 0 and tick “Compare with step 0”.',
      why: 'The paper plots first-layer attention: on Bit XOR each output token attends to the two input bits it XORs (Figure 3), although the attention weights never trained. Only what the small parts feed in has changed.',
      when: (s) => onBitXor(s) && s.attentionLayer === 0 && s.compareWithStart,
    },
    {
      id: 'deeper-layer',
      task: 'Look for the diagonal bᵢ → aᵢ in the lower-left block of the maps, then choose a deeper layer and compare.',
      why: 'The pattern needs a trained run: pretrained GPT-2 small converges on Bit XOR in about 500 steps (Table 6). A random frozen body forms the same diagonals, but weaker (Figure 5).',
      when: (s) => onBitXor(s) && s.layers > 1 && s.attentionLayer !== null && s.attentionLayer >= 1,
    },
  ],
};

export const PRETRAINED_VS_RANDOM: Lesson = {
  id: 'pretrained-vs-random',
  title: 'Is it the pretraining? Pretrained vs random GPT-2',
  summary:
    'The same frozen architecture with the same trained parts, once pretrained on text and once random: on Bit XOR both reach 100%, but the random body needs far more steps; on MNIST it also ends lower.',
  needs:
    'GPT-2 small’s pretrained weights: a network connection, or `npm run models:gpt2` on the machine that serves the page. The random test model is not trained on text, and the mini English GPT-2 embedded in the page is far too early a model to stand in for GPT-2 small here.',
  uses: ['presets'],
  steps: [
    {
      id: 'load-fpt',
      task: 'In Paper experiments, run on GPT-2 small and load Table 2 · Bit XOR · pretrained.',
      why: 'Table 2’s FPT row: GPT-2 small pretrained on text, frozen, with only the input layer, output head, positions and layer norms trained. The paper reports 100% on Bit XOR (Table 2, Bit XOR column, GPT-2 small, converged).',
      when: (s) => s.ready && onBitXor(s) && gpt2(s, 'pretrained') && groupsAre(s, FPT_DEFAULT_GROUPS),
    },
    {
      id: 'train-fpt',
      task: 'Press Play and train 500 steps. Note where the curve meets the dashed line.',
      why: 'The paper measures about 5 × 10² steps for pretrained GPT-2 to converge on Bit XOR (Table 6).',
      when: (s) => s.ready && onBitXor(s) && gpt2(s, 'pretrained') && groupsAre(s, FPT_DEFAULT_GROUPS),
      trainSteps: 500,
    },
    {
      id: 'train-random',
      task: 'Load Table 2 · Bit XOR · random (same seed) and train 500 steps. Compare the two curves at the same step.',
      why: 'Same architecture and trained parts, but weights never trained on text. The paper finds it also reaches 100% (Table 2, Random row, GPT-2 small), but only after about 2 × 10⁴ steps, 40 times more (Table 6).',
      when: (s) => s.ready && onBitXor(s) && gpt2(s, 'random') && groupsAre(s, FPT_DEFAULT_GROUPS),
      trainSteps: 500,
    },
    {
      id: 'mnist-random',
      task: 'Load Table 2 · MNIST · random and train 200 steps; then compare its dashed line with MNIST · pretrained.',
      why: 'On MNIST the gap is in accuracy too: 91.7% random vs 98.0% pretrained (Table 2, MNIST column, GPT-2 small, converged, on the full 60,000/10,000 MNIST; the page uses the 10,000-digit npm subset), about what a linear classifier on the raw pixels reaches (92%, Section 3.2).',
      when: (s) => s.ready && s.settings.task === 'mnist' && gpt2(s, 'random') && groupsAre(s, FPT_DEFAULT_GROUPS),
      trainSteps: 200,
    },
  ],
};

export const LESSONS: readonly Lesson[] = [BIT_XOR_ATTENTION, PRETRAINED_VS_RANDOM];

export const LESSON_IDS: readonly string[] = LESSONS.map((l) => l.id);

export function lessonById(id: string | null): Lesson | undefined {
  return id === null ? undefined : LESSONS.find((l) => l.id === id);
}
