/**
 * Browsers offer WebGPU (and Cache Storage, crypto.subtle) only in secure contexts: https://, or
 * http://localhost. A student opening the teacher's http://192.168.1.20:5173/ gets none of them; the
 * page says so in one line, and training runs on the fallback backend.
 */
export interface PageContext {
  isSecureContext: boolean;
  protocol: string;
  host: string;
}

/** The one line to show, or null in a secure context. */
export function insecureContextMessage(page: PageContext): string | null {
  if (page.isSecureContext) return null;
  return `WebGPU is off: browsers allow it only on secure pages, and ${page.protocol}//${page.host} is not one. For WebGPU open this site's https:// address (a workshop's \`npm run serve:lan\` prints it) or localhost; until then training runs on the slower fallback.`;
}
