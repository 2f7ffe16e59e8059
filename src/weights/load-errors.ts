/**
 * What the weight loaders throw. All are CheckpointErrors (message starts with the manifest, shard
 * or file URL at fault), so one `instanceof CheckpointError` catches every weights failure; the
 * subclasses let a page say precisely what went wrong. A cancelled load rejects with the AbortSignal's
 * reason instead (a DOMException named "AbortError" unless the caller gave another reason).
 */
import { CheckpointError } from './checkpoint-error';

/** The manifest is malformed, of a version this build cannot read, or for another architecture or model size. */
export class ManifestError extends CheckpointError {
  constructor(source: string, detail: string, tensor?: string) {
    super(source, detail, tensor);
    this.name = 'ManifestError';
  }
}

/**
 * The manifest's URL answered 200 with an HTML page: static hosts configured for single-page apps send
 * their index.html for any missing path, so this means "no converted model here", like a 404.
 */
export class ManifestIsHtmlError extends ManifestError {
  readonly url: string;

  constructor(url: string) {
    super(
      url,
      'the server answered with an HTML page, not a manifest (a host sends its fallback page for a missing file): the model is not converted or not deployed at this path',
    );
    this.name = 'ManifestIsHtmlError';
    this.url = url;
  }
}

/** A request kept failing (HTTP status or network error) after every retry; `url` names it. */
export class WeightsFetchError extends CheckpointError {
  readonly url: string;
  /** The last HTTP status, or undefined for a network error (no response at all). */
  readonly status: number | undefined;
  readonly attempts: number;

  constructor(url: string, detail: string, status: number | undefined, attempts: number) {
    super(url, detail);
    this.name = 'WeightsFetchError';
    this.url = url;
    this.status = status;
    this.attempts = attempts;
  }
}

/** A shard (or Hugging Face byte range) arrived with the wrong sha256 or size, twice. */
export class ShardIntegrityError extends CheckpointError {
  readonly url: string;
  readonly expected: string;
  readonly actual: string;

  constructor(url: string, label: string, expected: string, actual: string, what = 'failed its integrity check twice') {
    super(url, `${label} ${what} (expected ${expected}, got ${actual}): the file is corrupt or was replaced; re-run npm run models:convert`);
    this.name = 'ShardIntegrityError';
    this.url = url;
    this.expected = expected;
    this.actual = actual;
  }
}

/** The user (or the page) cancelled: the signal's reason, or a standard AbortError. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The weight download was cancelled', 'AbortError');
}

export function isAbortError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'AbortError';
}
