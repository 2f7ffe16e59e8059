/** Values a person typed (in a link, say), quoted for a notice: cut when long, so a megabyte value is not echoed. */
/** Longest hand-edited value a notice quotes in full; longer ones are cut (a link may carry megabytes). */
const MAX_QUOTED = 40;
/** Most unknown list items a notice names. */
const MAX_LISTED = 5;

/** A value from a link, quoted for a notice, cut when long. */
export function quoted(raw: string): string {
  return raw.length <= MAX_QUOTED ? `"${raw}"` : `"${raw.slice(0, MAX_QUOTED)}…" (${raw.length} characters)`;
}

/** Values from the link, quoted and listed, the first few only. */
export function quotedList(items: readonly string[]): string {
  const shown = items.slice(0, MAX_LISTED).map(quoted).join(', ');
  return items.length > MAX_LISTED ? `${shown} and ${items.length - MAX_LISTED} more` : shown;
}
