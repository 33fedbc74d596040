// Turns the HTTP client's failures into what the runner understands.
import { PermanentError } from '../../runner/errors.ts';
import { HttpError } from './errors.ts';

/** A permanent HttpError (guard refusal, size limit, 4xx) becomes a PermanentError; anything else is returned as is. */
export function toTaskError(error: unknown, context?: string): unknown {
  if (error instanceof HttpError && error.permanent) {
    return new PermanentError(context ? `${context}: ${error.message}` : error.message, { cause: error });
  }
  return error;
}
