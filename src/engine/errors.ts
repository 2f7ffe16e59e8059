/**
 * The project's own error type, FptError, lives in the bottom layer (src/weights/errors.ts) so that
 * every layer can throw it; engine and CLI code import it from here.
 */
export { FptError, InputError } from '../weights/errors';
