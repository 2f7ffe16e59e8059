/** Keeps the address bar's query equal to the page's settings, so that copying the link shares the setup. */
import { useSettings, type SettingsState } from './stores/settings-store';
import { presetById, presetMatches } from './presets';
import { encodeUrlState, type UrlState } from './url-state';

/** The page's settings as the link schema sees them. */
export function urlStateOf(s: SettingsState): UrlState {
  // A loaded paper experiment stays in the link only while the settings are still its configuration.
  const preset = presetById(s.presetId);
  return {
    settings: s.settings,
    stepsPerUpdate: s.stepsPerUpdate,
    layer: s.attentionLayer,
    instructor: s.instructor,
    lesson: s.lessonId,
    preset: preset && presetMatches(preset, s.settings) ? preset.id : null,
    extras: s.urlExtras,
  };
}

function queryOf(s: SettingsState): string {
  return `?${encodeUrlState(urlStateOf(s))}`;
}

export function syncUrlWithState(): () => void {
  const write = (s: SettingsState) => {
    const query = queryOf(s);
    if (query !== location.search) history.replaceState(history.state, '', `${location.pathname}${query}${location.hash}`);
  };
  write(useSettings.getState());
  return useSettings.subscribe((s, previous) => {
    if (
      s.settings !== previous.settings ||
      s.stepsPerUpdate !== previous.stepsPerUpdate ||
      s.attentionLayer !== previous.attentionLayer ||
      s.lessonId !== previous.lessonId ||
      s.presetId !== previous.presetId
    )
      write(s);
  });
}
