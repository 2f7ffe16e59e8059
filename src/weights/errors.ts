/**
 * The project's own error type for bad input: a file, record, fetched document, URL value or flag that
 * failed validation. Its message always starts with where the input came from (a path, URL, flag or
 * record name) and then says what is wrong, so a user can tell what to fix. Every layer may throw it
 * (weights is the bottom layer, so app, worker, engine and CLI can all import it); code that shows
 * errors can rely on `instanceof InputError` meaning "the input was bad, the program is fine".
 *
 * Validation is done with zod schemas; `zodIssues` turns a failed parse into one readable line.
 */
import type { ZodError } from 'zod';

/** Messages quote values users typed or files held; never echo more than this many characters of one. */
export const MAX_QUOTED_CHARS = 120;

/**
 * The base of every error the project throws on purpose: a message written for the user. Anything
 * else that escapes (TypeError, SyntaxError, RangeError) is a bug. Kinds: InputError (a file, fetched
 * document, URL value or flag that failed validation, below), InvalidRecordError (a persisted or
 * fetched record, src/engine/records.ts), UsageError (a command line, src/cli/options.ts).
 */
export class FptError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'FptError';
  }
}

export class InputError extends FptError {
  /** Where the bad input came from: a file path, URL, `--flag`, or record name. */
  readonly source: string;
  /** What is wrong with it (the message without the source). */
  readonly detail: string;

  constructor(source: string, detail: string, options?: { cause?: unknown }) {
    super(`${source}: ${detail}`, options);
    this.name = 'InputError';
    this.source = source;
    this.detail = detail;
  }
}

/** A value for a message: JSON, cut to MAX_QUOTED_CHARS with the full length said. */
export function quote(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length <= MAX_QUOTED_CHARS ? text : `${text.slice(0, MAX_QUOTED_CHARS)}… (${text.length} characters)`;
}

/** One line naming each problem a zod parse found: `shards.0.bytes: Too big: expected number to be <=2147483648; …`. */
export function zodIssues(error: ZodError, maxIssues = 3): string {
  // One value can fail two checks with the same message (an integer that is also too big): say it once.
  const lines = [
    ...new Set(
      error.issues.map((issue) => {
        const path = issue.path.map(String).join('.');
        return path === '' ? issue.message : `${path}: ${issue.message}`;
      }),
    ),
  ];
  const parts = lines.slice(0, maxIssues);
  const more = lines.length - parts.length;
  return more > 0 ? `${parts.join('; ')} (and ${more} more)` : parts.join('; ');
}
