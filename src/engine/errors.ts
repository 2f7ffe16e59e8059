/**
 * The project's own error type: a message written for the user that names what was wrong and where
 * (the file, the flag, the record). Anything else that escapes (TypeError, SyntaxError, RangeError) is
 * a bug. Minimal on purpose: the weights side introduces the same type; the two are unified at merge.
 */
export class FptError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'FptError';
  }
}
