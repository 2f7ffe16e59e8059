/**
 * The secondary panels, one click away behind the tabs in the top bar: one registry, so that adding
 * a panel is one line here. Every panel stays mounted (its state kept) and hidden while not open.
 */
import { useEffect, useRef, type ComponentType, type KeyboardEvent } from 'react';
import { hasFlags, type ControlName } from '../instructor/controls';
import { controlMode } from '../instructor/controls';
import { useSettings, type SettingsState } from '../stores/settings-store';
import { useUi } from '../stores/ui-store';
import { discardUnreadableRuns } from '../runs/runs-store';
import { PresetPicker } from './PresetPicker';
import { RunComparison } from './RunComparison';
import { SweepResults } from './SweepResults';
import { AdapterFilesControl } from './AdapterFiles';
import { ParameterDetails } from './ArchitectureDiagram';
import { InstructorLinkBuilder } from './InstructorLinkBuilder';
import { LessonList } from './LessonList';
import { PretrainPanel } from './PretrainPanel';
import { PanelBoundary, type PanelBoundaryProps } from './PanelBoundary';

export interface SecondaryPanel {
  id: string;
  label: string;
  component: ComponentType;
  /** Whether this page offers it (an instructor link may hide it); offered when absent. */
  offered?(s: Pick<SettingsState, 'instructor'>): boolean;
  discard?: PanelBoundaryProps['discard'];
}

const notHidden = (control: ControlName) => (s: Pick<SettingsState, 'instructor'>) => controlMode(s.instructor, control) !== 'hidden';

export const PANELS: readonly SecondaryPanel[] = [
  { id: 'experiments', label: 'Paper experiments', component: PresetPicker, offered: notHidden('presets') },
  { id: 'runs', label: 'Runs', component: RunComparison, discard: { label: 'Discard unreadable kept runs', action: discardUnreadableRuns } },
  { id: 'parameters', label: 'Parameters', component: ParameterDetails },
  { id: 'sweeps', label: 'Sweeps', component: SweepResults },
  { id: 'files', label: 'Files', component: AdapterFilesControl, offered: notHidden('adapters') },
  { id: 'lessons', label: 'Lessons', component: LessonList },
  // Its result becomes the backbone: not offered where an instructor's link hides the backbone.
  { id: 'pretrain', label: 'Pretrain', component: PretrainPanel, offered: notHidden('backbone') },
  { id: 'instructor', label: 'Instructor', component: InstructorLinkBuilder, offered: (s) => !hasFlags(s.instructor) },
];

/** Opens a panel (or closes it, with its own id again, or null). */
export function togglePanel(id: string | null): void {
  useUi.setState((s) => ({ panel: s.panel === id ? null : id }));
}

function useOfferedPanels(): SecondaryPanel[] {
  const instructor = useSettings((s) => s.instructor);
  return PANELS.filter((p) => p.offered?.({ instructor }) ?? true);
}

/** The tab strip (ARIA tabs: arrows move between tabs, Enter or Space opens one; the open tab again closes it). */
export function PanelTabs() {
  const panels = useOfferedPanels();
  const open = useUi((s) => s.panel);
  const onKey = (e: KeyboardEvent<HTMLButtonElement>, i: number) => {
    const next = e.key === 'ArrowRight' ? i + 1 : e.key === 'ArrowLeft' ? i - 1 : e.key === 'Home' ? 0 : e.key === 'End' ? panels.length - 1 : null;
    if (next === null) return;
    e.preventDefault();
    e.stopPropagation();
    const tabs = e.currentTarget.parentElement!.querySelectorAll<HTMLButtonElement>('[role="tab"]');
    tabs[(next + panels.length) % panels.length]?.focus();
  };
  return (
    <nav className="panel-tabs" aria-label="More panels">
      <div role="tablist" aria-label="More panels">
        {panels.map((p, i) => (
          <button
            key={p.id}
            type="button"
            role="tab"
            id={`tab-${p.id}`}
            aria-selected={open === p.id}
            aria-controls={`panel-${p.id}`}
            tabIndex={open === p.id || (open === null && i === 0) ? 0 : -1}
            onClick={() => togglePanel(p.id)}
            onKeyDown={(e) => onKey(e, i)}
          >
            {p.label}
          </button>
        ))}
      </div>
    </nav>
  );
}

/** Every offered panel, mounted; the open one shown (and scrolled to when opened). */
export function SecondaryPanels() {
  const panels = useOfferedPanels();
  const open = useUi((s) => s.panel);
  const region = useRef<HTMLElement>(null);
  useEffect(() => {
    if (open) region.current?.querySelector(`#panel-${open}`)?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  }, [open]);
  return (
    <aside className="secondary" ref={region} aria-label="Secondary panels">
      {panels.map(({ id, label, component: Panel, discard }) => (
        <div key={id} role="tabpanel" id={`panel-${id}`} aria-labelledby={`tab-${id}`} hidden={open !== id} className="secondary-panel">
          <div className="secondary-head">
            <button type="button" onClick={() => togglePanel(null)} aria-label={`Close ${label}`}>
              Close
            </button>
          </div>
          <PanelBoundary name={label} discard={discard}>
            <Panel />
          </PanelBoundary>
        </div>
      ))}
    </aside>
  );
}
