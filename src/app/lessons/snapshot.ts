import type { PageState } from '../stores/page';
import type { LessonSnapshot } from './types';

/** What lesson steps see of the page's state. */
export function snapshotOf(s: Pick<PageState, 'settings' | 'phase' | 'points' | 'attention' | 'model' | 'attentionCompare'>): LessonSnapshot {
  let accuracy: number | null = null;
  for (let i = s.points.length - 1; i >= 0 && accuracy === null; i--) accuracy = s.points[i].testAccuracy ?? null;
  return {
    settings: s.settings,
    ready: s.phase === 'ready',
    step: s.points.at(-1)?.step ?? 0,
    accuracy,
    attentionLayer: s.attention?.layer ?? null,
    layers: s.model?.layers ?? 0,
    compareWithStart: s.attentionCompare,
  };
}
