import type { Kwargs } from '../model';

const CONTEXT = Symbol.for('triggers.errorContext');

/**
 * Attaches context to an error (merged with any context already attached)
 * and returns it, so `throw withContext(err, { row: 12 })` records
 * `{ row: 12 }` in the failed instance's `exceptionContext`.
 *
 * Only objects can carry context: a thrown string or number is returned
 * unchanged and its context is dropped, so wrap such values in an `Error`
 * first (`withContext(new Error(String(value)), context)`).
 */
export function withContext<E>(error: E, context: Kwargs): E {
  if (error !== null && typeof error === 'object') {
    const previous = errorContext(error) ?? {};
    Object.defineProperty(error, CONTEXT, { value: { ...previous, ...context }, configurable: true, enumerable: false });
  }
  return error;
}

/** The context attached to `error` with {@link withContext}, if any. */
export function errorContext(error: unknown): Kwargs | undefined {
  if (error === null || typeof error !== 'object') return undefined;
  return (error as { [CONTEXT]?: Kwargs })[CONTEXT];
}
