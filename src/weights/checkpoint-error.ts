/**
 * The one error type the weights layer throws. The message always starts with the source label (a
 * file path or URL) and, where one tensor is at fault, names it, so a user can tell which file is bad.
 * It is an InputError (errors.ts), the project's error type for any bad input.
 */
import { InputError, MAX_QUOTED_CHARS, quote } from './errors';

export class CheckpointError extends InputError {
  readonly tensor: string | undefined;

  constructor(source: string, detail: string, tensor?: string) {
    // A name is quoted in full unless it is absurdly long (a damaged header); `tensor` keeps it whole.
    super(source, tensor === undefined ? detail : `tensor ${tensor.length <= MAX_QUOTED_CHARS ? `"${tensor}"` : quote(tensor)}: ${detail}`);
    this.name = 'CheckpointError';
    this.tensor = tensor;
  }
}
