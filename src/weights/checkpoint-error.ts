/**
 * The one error type the weights layer throws. The message always starts with the source label (a
 * file path or URL) and, where one tensor is at fault, names it, so a user can tell which file is bad.
 */
export class CheckpointError extends Error {
  readonly source: string;
  readonly tensor: string | undefined;

  constructor(source: string, detail: string, tensor?: string) {
    super(tensor === undefined ? `${source}: ${detail}` : `${source}: tensor "${tensor}": ${detail}`);
    this.name = 'CheckpointError';
    this.source = source;
    this.tensor = tensor;
  }
}
