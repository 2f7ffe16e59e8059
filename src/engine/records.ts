/**
 * Records the program writes and later reads back (sweep results, autosaved runs and snapshots,
 * adapter-file metadata) are checked against one zod schema per record type, shared by the writer
 * and the reader. A record that does not fit is refused with an InvalidRecordError whose message
 * names the record and the first fields that are wrong; it never reaches the code that uses it.
 */
import { FptError } from './errors';
import type { z } from 'zod';

/** A persisted or fetched record that does not fit its schema (or is not readable at all). */
export class InvalidRecordError extends FptError {
  override name = 'InvalidRecordError';
  constructor(
    /** What the record is, e.g. `sweeps/a/results.json` or `saved run "Bit XOR 5 · …"`. */
    readonly record: string,
    /** What is wrong with it, one short phrase per problem. */
    readonly problems: string[],
  ) {
    super(`${record} is not valid: ${problems.join('; ')}`);
  }
}

/** At most this many problems are named in a message (a damaged file can have thousands). */
const MAX_PROBLEMS = 3;
/** Long keys or values are cut in messages. */
const MAX_TEXT = 80;

export function cut(text: string, max = MAX_TEXT): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}

/** `summary[0].mean: expected number, received null`, for each of the first few issues. */
export function describeIssues(error: z.ZodError): string[] {
  const problems = error.issues.slice(0, MAX_PROBLEMS).map((issue) => {
    const path = issue.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${cut(String(p), 40)}`)).join('');
    return `${path || 'the record'}: ${cut(issue.message)}`;
  });
  if (error.issues.length > MAX_PROBLEMS) problems.push(`and ${error.issues.length - MAX_PROBLEMS} more`);
  return problems;
}

/** The value, checked (and typed) by `schema`; throws InvalidRecordError naming `record` otherwise. */
export function parseRecord<S extends z.ZodType>(schema: S, value: unknown, record: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new InvalidRecordError(record, describeIssues(result.error));
  return result.data;
}

/** JSON text, parsed and checked; a file that is not JSON at all is an InvalidRecordError too. */
export function parseJsonRecord<S extends z.ZodType>(schema: S, text: string, record: string): z.output<S> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidRecordError(record, [`not JSON (${cut(error instanceof Error ? error.message : String(error))})`]);
  }
  return parseRecord(schema, value, record);
}
