import { useEffect } from 'react';
import { megabytes } from './format';
import { ArchitectureDiagram } from './components/ArchitectureDiagram';
import { AttentionPanel } from './components/AttentionPanel';
import { Charts } from './components/Charts';
import { RunSettingsForm, TransportControls } from './components/Controls';
import { DatasetPreview } from './components/DatasetPreview';
import { AdapterFiles } from './components/AdapterFiles';
import { StatusBar } from './components/StatusBar';
import { UrlNotices } from './components/UrlNotices';
import { SiteNotices } from './components/SiteNotices';
import { SweepResults } from './components/SweepResults';
import { RunComparison, RunsNotice } from './components/RunComparison';
import { restoreOrStart } from './runs/restore';
import { usePlayground } from './store';
import { PresetPicker } from './components/PresetPicker';
import { LessonPanel } from './components/LessonPanel';
import { InstructorLinkBuilder } from './components/InstructorLinkBuilder';
import { trackLessonProgress, useLessonUi } from './lessons/lesson-store';
import { LockNote, useControlMode } from './instructor/ui';
import { cancelLoad, restartFromSnapshot, startRun } from './training-client';
import { PanelBoundary } from './components/PanelBoundary';
import { BackboneNotice } from './components/BackboneNotice';
import { discardUnreadableRuns, useRuns } from './runs/runs-store';

const DISCARD_RUNS = { label: 'Discard unreadable kept runs', action: discardUnreadableRuns };
const REMOVE_OVERLAYS = {
  label: 'Remove the other curves from the charts',
  action: () => {
    usePlayground.setState({ overlays: [] });
    useRuns.setState({ shown: [], baselineId: null });
  },
};

function LoadingNotice({ message }: { message: string }) {
  const p = usePlayground((s) => s.loadProgress);
  if (!p || p.phase === 'done') return <p className="notice loading" role="status">{message}</p>;
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
  const warnings = usePlayground((s) => s.warnings);
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
  const phase = usePlayground((s) => s.phase);
  const error = usePlayground((s) => s.error);
  const message = usePlayground((s) => s.loadingMessage);
  const snapshotStep = usePlayground((s) => s.snapshot?.step);
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

/** Export / import adapters, unless an instructor link hides or locks them. */
function AdapterFilesControl() {
  const mode = useControlMode('adapters');
  if (mode === 'hidden') return null;
  if (mode === 'shown') return <AdapterFiles />;
  return (
    <fieldset className="locked-fieldset" disabled aria-describedby="lock-note-adapters">
      <AdapterFiles />
      <LockNote control="adapters" mode={mode} />
    </fieldset>
  );
}

export function App() {
  const announcement = usePlayground((s) => s.announcement);
  const hasLesson = usePlayground((s) => s.lessonId !== null);
  const lessonCollapsed = useLessonUi((s) => s.collapsed);
  const lessonOpen = hasLesson && !lessonCollapsed;
  useEffect(() => trackLessonProgress(), []);
  // Resumes the run saved last (paused), or starts a fresh one: runs/restore.ts.
  useEffect(() => void restoreOrStart(), []);
  return (
    <div className="app">
      <header>
        <h1>FPT Playground</h1>
        <p className="tagline">
          A transformer pretrained on language, frozen, learning tasks that are not language. Only the parts you tick train.
        </p>
      </header>
      <SiteNotices />
      <UrlNotices />
      <Notice />
      <BackboneNotice />
      <Warnings />
      <RunsNotice />
      <div className={`layout${lessonOpen ? ' with-lesson' : ''}`}>
        <aside>
          <PanelBoundary name="Experiment">
            <RunSettingsForm />
          </PanelBoundary>
          <PanelBoundary name="Run">
            <section className="panel" aria-label="Run">
              <TransportControls />
              <AdapterFilesControl />
            </section>
          </PanelBoundary>
          <PanelBoundary name="What trains">
            <ArchitectureDiagram />
          </PanelBoundary>
          <PanelBoundary name="Instructor link">
            <InstructorLinkBuilder />
          </PanelBoundary>
        </aside>
        <main>
          <PanelBoundary name="Paper experiments">
            <PresetPicker />
          </PanelBoundary>
          <PanelBoundary name="Learning curves" discard={REMOVE_OVERLAYS}>
            <Charts />
          </PanelBoundary>
          <PanelBoundary name="Runs" discard={DISCARD_RUNS}>
            <RunComparison />
          </PanelBoundary>
          <PanelBoundary name="Attention">
            <AttentionPanel />
          </PanelBoundary>
          <PanelBoundary name="Dataset preview">
            <DatasetPreview />
          </PanelBoundary>
          <PanelBoundary name="Sweep results">
            <SweepResults />
          </PanelBoundary>
        </main>
        <PanelBoundary name="Lesson">
          <LessonPanel />
        </PanelBoundary>
      </div>
      <PanelBoundary name="Status bar">
        <StatusBar />
      </PanelBoundary>
      <div className="sr-only" aria-live="polite" data-testid="live-region">
        {announcement}
      </div>
    </div>
  );
}
