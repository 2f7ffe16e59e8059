import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { runLines, type RunLine } from '../runs/run-lines';
import { useRuns } from '../runs/runs-store';
import { useUi } from '../stores/ui-store';

/** The kept runs the charts overlay (the live run is drawn by the charts themselves). */
export function useRunLines(): RunLine[] {
  // Only the drawn runs' records: the live run's updates (every screen update) leave these alone.
  const drawn = useRuns(useShallow((s) => s.runs.filter((r) => r.id !== s.liveId && (r.id === s.baselineId || s.shown.includes(r.id)))));
  const liveId = useRuns((s) => s.liveId);
  const shown = useRuns((s) => s.shown);
  const baselineId = useRuns((s) => s.baselineId);
  const sweepOverlays = useUi((s) => s.overlays.length);
  return useMemo(() => runLines({ runs: drawn, liveId, shown, baselineId, sweepOverlays }), [drawn, liveId, shown, baselineId, sweepOverlays]);
}
