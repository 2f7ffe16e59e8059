import { useMemo } from 'react';
import { groupOf, type GroupName } from '../../engine/groups';
import { useRun } from '../stores/run-store';

/** The parameter groups the optimizer changed in the last step (from the tensor names the worker reports). */
export function useUpdatedGroups(): ReadonlySet<GroupName> {
  const lastUpdated = useRun((s) => s.lastUpdated);
  return useMemo(
    () =>
      new Set(
        lastUpdated.flatMap((name) => {
          try {
            return [groupOf(name)];
          } catch {
            return [];
          }
        }),
      ),
    [lastUpdated],
  );
}
