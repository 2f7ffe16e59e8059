/// <reference types="vite-plugin-pwa/client" />
/**
 * The page's side of the service worker (vite.config.ts, VitePWA): registers it in built sites and
 * keeps whether a newer deploy is waiting. The new version takes over only when the user reloads
 * through the notice, so the page never runs one version's code against another's files.
 */
import { create } from 'zustand';

interface SiteUpdate {
  /** A newer version is installed and waiting. */
  updateReady: boolean;
  /** The app shell and the tiny model are cached: the page opens offline from now on. */
  offlineReady: boolean;
  reload: () => void;
}

let activate: ((reload?: boolean) => Promise<void>) | null = null;

export const useSiteUpdate = create<SiteUpdate>(() => ({
  updateReady: false,
  offlineReady: false,
  reload: () => void activate?.(true),
}));

/** Built sites only; imported lazily so that modules importing this one load in Node tests too. */
export async function registerServiceWorker(): Promise<void> {
  if (import.meta.env.DEV || typeof navigator === 'undefined' || !('serviceWorker' in navigator)) return;
  const { registerSW } = await import('virtual:pwa-register');
  activate = registerSW({
    onNeedRefresh: () => useSiteUpdate.setState({ updateReady: true }),
    onOfflineReady: () => useSiteUpdate.setState({ offlineReady: true }),
  });
}
