import { useEffect } from 'react';
import { megabytes } from './format';
import { RunSettingsForm, TransportControls } from './components/Controls';
import { StatusBar } from './components/StatusBar';
import { UrlNotices } from './components/UrlNotices';
import { SiteNotices } from './components/SiteNotices';
import { RunsNotice } from './components/RunComparison';
import { restoreOrStart } from './runs/restore';
import { useRun } from './stores/run-store';
import { useSettings } from './stores/settings-store';
import { LessonPanel } from './components/LessonPanel';
import { trackLessonProgress, useLessonUi } from './lessons/lesson-store';
import { cancelLoad, restartFromSnapshot, startRun } from './training-client';
import { BoundedPanels, PanelBoundary, type BoundedPanel } from './components/PanelBoundary';
import { ModelFlow } from './components/ModelFlow';
import { BackboneNotice } from './components/BackboneNotice';
import { PanelTabs, SecondaryPanels } from './components/panels';

function LoadingNotice({ message }: { message: string }) {
  const p = useRun((s) => s.loadProgress);
  if (!p || p.phase === 'done')
    return (
      <p className="notice loading" role="status">
        {message}
      </p>
    );
  return (
    <div className="notice loading" role="status">
      <p>
        {message} {megabytes(p.bytesLoaded)} of {megabytes(p.bytesTotal)} · {p.shardsDone}/{p.shardsTotal} {p.source === 'hub' ? 'chunks' : 'shards'}
        {p.shardsFromCache > 0 ? ` (${p.shardsFromCache} from this browser's cache)` : ''}
        {p.etaSeconds !== null && p.etaSeconds > 0 ? ` · about ${Math.ceil(p.etaSeconds)} s left` : ''}
      </p>
      <progress max={100} value={p.percent} aria-label="Weights downloaded" />
      {p.message && <p className="muted">{p.message}</p>}
      <button type="button" onClick={cancelLoad}>
        Cancel download
      </button>
    </div>
  );
}

function Warnings() {
  const warnings = useRun((s) => s.warnings);
  if (warnings.length === 0) return null;
  return (
    <div className="notice warning" role="note">
      {warnings.map((w) => (
        <p key={w}>{w}</p>
      ))}
    </div>
  );
}

function Notice() {
  const phase = useRun((s) => s.phase);
  const error = useRun((s) => s.error);
  const message = useRun((s) => s.loadingMessage);
  const snapshotStep = useRun((s) => s.snapshot?.step);
  if (phase === 'loading') return <LoadingNotice message={message} />;
  if (phase === 'deviceLost') {
    return (
      <div className="notice error" role="alert">
        <p>{error} Training stopped; your curves are kept.</p>
        <button type="button" onClick={restartFromSnapshot}>
          Restart from {snapshotStep !== undefined ? `step ${snapshotStep}` : 'the start'}
        </button>
      </div>
    );
  }
  if (phase === 'error') {
    return (
      <div className="notice error" role="alert">
        <p>{error}</p>
        <button type="button" onClick={() => startRun()}>
          Try again
        </button>
      </div>
    );
  }
  return null;
}

const TOP_BAR_PANELS: readonly BoundedPanel[] = [
  { name: 'Run', Panel: TransportControls },
  { name: 'Experiment', Panel: RunSettingsForm },
];

/** The top bar: name, Play/Pause, Step, Reset, the step counter and speed, the run's settings, and the panel tabs. */
function TopBar() {
  return (
    <header className="top-bar">
      <div className="brand">
        <h1>FPT Playground</h1>
        <p className="tagline">A frozen language transformer learning tasks that are not language. Only the parts you tick train.</p>
      </div>
      <BoundedPanels panels={TOP_BAR_PANELS} />
      <PanelTabs />
    </header>
  );
}

export function App() {
  const announcement = useRun((s) => s.announcement);
  const hasLesson = useSettings((s) => s.lessonId !== null);
  const lessonCollapsed = useLessonUi((s) => s.collapsed);
  const lessonOpen = hasLesson && !lessonCollapsed;
  useEffect(() => trackLessonProgress(), []);
  // Resumes the run saved last (paused), or starts a fresh one: runs/restore.ts.
  useEffect(() => void restoreOrStart(), []);
  return (
    <div className="app">
      <TopBar />
      <div className="notices">
        <SiteNotices />
        <UrlNotices />
        <Notice />
        <BackboneNotice />
        <Warnings />
        <RunsNotice />
      </div>
      <div className={`layout${lessonOpen ? ' with-lesson' : ''}`}>
        <ModelFlow />
        <PanelBoundary name="Lesson">
          <LessonPanel />
        </PanelBoundary>
      </div>
      <SecondaryPanels />
      <PanelBoundary name="Status bar">
        <StatusBar />
      </PanelBoundary>
      <div className="sr-only" aria-live="polite" data-testid="live-region">
        {announcement}
      </div>
    </div>
  );
}
