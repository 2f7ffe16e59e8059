import { useUi } from '../stores/ui-store';

/** What was changed while reading a hand-edited link; dismissible. */
export function UrlNotices() {
  const notices = useUi((s) => s.urlNotices);
  if (notices.length === 0) return null;
  return (
    <div className="notice warning url-notices" role="status" aria-label="Link settings changed">
      <p>Some settings in the link could not be used as written:</p>
      <ul>
        {notices.map((n) => (
          <li key={n}>{n}</li>
        ))}
      </ul>
      <button type="button" onClick={() => useUi.setState({ urlNotices: [] })}>
        Dismiss
      </button>
    </div>
  );
}
