import { insecureContextMessage } from '../site/secure-context';
import { useSiteUpdate } from '../site/service-worker';

const pageContext = typeof window === 'undefined' ? null : { isSecureContext: window.isSecureContext, protocol: location.protocol, host: location.host };

/** Notices about the site itself: no WebGPU on a non-secure page, and a newer deploy waiting. */
export function SiteNotices() {
  const updateReady = useSiteUpdate((s) => s.updateReady);
  const reload = useSiteUpdate((s) => s.reload);
  const insecure = pageContext && insecureContextMessage(pageContext);
  return (
    <>
      {insecure && (
        <p className="notice warning" role="note" data-testid="insecure-context">
          {insecure}
        </p>
      )}
      {updateReady && (
        <p className="notice update" role="status" data-testid="update-ready">
          A new version is ready:{' '}
          <button type="button" onClick={reload}>
            reload
          </button>
        </p>
      )}
    </>
  );
}
