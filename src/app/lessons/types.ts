import type { RunSettings } from '../../worker/protocol';
import type { ControlName } from '../instructor/controls';

/** What a lesson step can see of the page: a plain object, so that steps are pure and testable. */
export interface LessonSnapshot {
  settings: RunSettings;
  /** A run is built and can train (pretrained weights loaded, if asked for). */
  ready: boolean;
  /** The last step the run reported (0 before the first step, and after a reset). */
  step: number;
  /** The latest test accuracy, 0..1, or null before the first evaluation. */
  accuracy: number | null;
  /** The attention layer on screen (null before the first map arrives). */
  attentionLayer: number | null;
  /** Transformer blocks of the model (0 while loading). */
  layers: number;
  /** "Compare with step 0" is ticked in the attention panel. */
  compareWithStart: boolean;
}

export interface LessonStep {
  id: string;
  /** What to do, in one sentence. */
  task: string;
  /** Why, in one or two sentences, with the paper's numbers where it has them. */
  why: string;
  /** The condition the page must be in (the setup of the step). */
  when(s: LessonSnapshot): boolean;
  /** Then train this many steps while the condition holds (0 or absent: ticks as soon as it holds). */
  trainSteps?: number;
}

export interface Lesson {
  id: string;
  title: string;
  /** One or two sentences: what students find out. */
  summary: string;
  /** What the lesson needs to make sense (e.g. pretrained weights), if anything. */
  needs?: string;
  /** The controls students change: a link that locks or hides one of them blocks the lesson. */
  uses: ControlName[];
  steps: LessonStep[];
}
