/**
 * URLs of the site's own files (models/, data/, sweeps/), relative to the site's base: Vite's `base`
 * (`npm run build -- --base /fpt-playground/`), which it gives as import.meta.env.BASE_URL to the page
 * and the worker alike. So one build works at a host's root or under a sub-path.
 */
export const SITE_BASE: string = import.meta.env?.BASE_URL ?? '/';

export function siteUrl(path: string): string {
  return `${SITE_BASE}${path.replace(/^\/+/, '')}`;
}
