import { useSettings } from '../stores/settings-store';
import { useRun } from '../stores/run-store';
import { setFeatureCache } from '../training-client';

const seconds = (s: number) => (s < 1 ? `${(1000 * s).toFixed(0)} ms` : `${s.toFixed(2)} s`);

/**
 * The paper's Section 3.9: when only the output head trains, the frozen body's features can be
 * computed once and the head trained on them, many times faster per epoch. Shows what it measured.
 */
export function FeatureCacheToggle() {
  const groups = useSettings((s) => s.settings.groups);
  const report = useRun((s) => s.featureCache);
  const requested = useRun((s) => s.featureCacheRequested);
  const ready = useRun((s) => s.phase === 'ready');
  const outputOnly = groups.length === 1 && groups[0] === 'output';
  const speedup = report?.cachedSecondsPerEpoch ? report.uncachedSecondsPerEpoch / report.cachedSecondsPerEpoch : null;
  return (
    <div className="feature-cache">
      <label className="inline">
        <input type="checkbox" checked={requested} disabled={!outputOnly || !ready} onChange={(e) => setFeatureCache(e.target.checked)} />
        Train the output head on cached features
      </label>
      {!outputOnly && <p className="muted">Possible when only the output head trains.</p>}
      {report && (
        <p data-testid="feature-cache-report">
          {report.datasetSize} examples cached in {seconds(report.buildSeconds)}; an epoch is {report.stepsPerEpoch} steps. Per epoch: uncached{' '}
          {seconds(report.uncachedSecondsPerEpoch)}
          {report.cachedSecondsPerEpoch !== null && (
            <>
              , cached {seconds(report.cachedSecondsPerEpoch)}: <strong data-testid="feature-cache-speedup">{speedup!.toFixed(1)}× faster</strong>
            </>
          )}
          {report.cachedSecondsPerEpoch === null && ' (press Play or Step to measure the cached epoch)'}
        </p>
      )}
    </div>
  );
}
