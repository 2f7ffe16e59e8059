/**
 * The one error type the weights layer throws. The message always starts with the source label (a
 * file path or URL) and, where one tensor is at fault, names it, so a user can tell which file is bad.
 * It is an InputError (errors.ts), the project's error type for any bad input.
 */
import { InputError } from './errors';

export class CheckpointError extends InputError {
  readonly tensor: string | undefined;

  constructor(source: string, detail: string, tensor?: string) {
    super(source, tensor === undefined ? detail : `tensor "${tensor}": ${detail}`);
    this.name = 'CheckpointError';
    this.tensor = tensor;
  }
}
