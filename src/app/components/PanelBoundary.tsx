/**
 * One error boundary per panel (react-error-boundary): a record that slips past the schemas, or a bug,
 * takes down only the panel it reaches, which then says what failed and offers to discard what it
 * was showing; the rest of the page, and training, go on.
 */
import type { ComponentType, ReactNode } from 'react';
import { ErrorBoundary, type FallbackProps } from 'react-error-boundary';
import { cut } from '../../engine/records';

export interface PanelBoundaryProps {
  /** The panel's name as the page shows it ("Runs", "Sweep results"). */
  name: string;
  /** What "discard" removes, and how; the panel is drawn again after it. */
  discard?: { label: string; action(): unknown };
  children: ReactNode;
}

function PanelFailed({ error, resetErrorBoundary, name, discard }: FallbackProps & Omit<PanelBoundaryProps, 'children'>) {
  const message = error instanceof Error ? error.message : String(error);
  return (
    <section className="panel notice error" role="alert" aria-label={`${name} failed`} data-testid="panel-failed">
      <p>
        The {name} panel failed and is not shown: {cut(message, 300)}. Training and the other panels go on.
      </p>
      {discard && (
        <button
          type="button"
          onClick={async () => {
            await discard.action();
            resetErrorBoundary();
          }}
        >
          {discard.label}
        </button>
      )}{' '}
      <button type="button" onClick={() => resetErrorBoundary()}>
        Try again
      </button>
    </section>
  );
}

export function PanelBoundary({ name, discard, children }: PanelBoundaryProps) {
  return (
    <ErrorBoundary
      fallbackRender={(props) => <PanelFailed {...props} name={name} discard={discard} />}
      onError={(error) => console.error(`The ${name} panel failed:`, error)}
    >
      {children}
    </ErrorBoundary>
  );
}

/** A panel to draw behind its own boundary: the name the boundary shows, the component, and what "discard" removes. */
export interface BoundedPanel {
  name: string;
  Panel: ComponentType;
  discard?: PanelBoundaryProps['discard'];
}

/** Panels side by side, each behind its own boundary, so that one failing leaves the others drawn. */
export function BoundedPanels({ panels }: { panels: readonly BoundedPanel[] }) {
  return panels.map(({ name, Panel, discard }) => (
    <PanelBoundary key={name} name={name} discard={discard}>
      <Panel />
    </PanelBoundary>
  ));
}
