/** Keeps the address bar's query equal to the page's state, so that copying the link shares the setup. */
import { usePlayground, type PlaygroundState } from './store';
import { encodeUrlState } from './url-state';

function queryOf(s: PlaygroundState): string {
  return `?${encodeUrlState({ settings: s.settings, stepsPerUpdate: s.stepsPerUpdate, layer: s.attentionLayer, extras: s.urlExtras })}`;
}

export function syncUrlWithState(): () => void {
  const write = (s: PlaygroundState) => {
    const query = queryOf(s);
    if (query !== location.search) history.replaceState(history.state, '', `${location.pathname}${query}${location.hash}`);
  };
  write(usePlayground.getState());
  return usePlayground.subscribe((s, previous) => {
    if (s.settings !== previous.settings || s.stepsPerUpdate !== previous.stepsPerUpdate || s.attentionLayer !== previous.attentionLayer) write(s);
  });
}
