/** Number formats shared by the page's panels. */
export const megabytes = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
/** A fraction in [0, 1] as a percentage with one decimal ("87.5%"); a dash for none. */
export const percent = (x: number | null) => (x === null ? '—' : `${(100 * x).toFixed(1)}%`);
