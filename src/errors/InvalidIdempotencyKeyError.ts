import { TriggersError } from './TriggersError';
import { quote } from './quote';

/** Why an idempotency key was refused. */
export type InvalidIdempotencyKeyProblem = 'not-a-string' | 'empty' | 'too-long' | 'unsupported';

/** What {@link InvalidIdempotencyKeyError} knows. */
export interface InvalidIdempotencyKeyErrorFields {
  /** The key refused (not necessarily a string). */
  readonly key: unknown;
  /** What is wrong with it. */
  readonly problem: InvalidIdempotencyKeyProblem;
  /** The longest key accepted, in UTF-16 code units (for `too-long`). */
  readonly limit?: number;
  /** The storage class that cannot honour keys (for `unsupported`). */
  readonly storageClass?: string;
}

/**
 * `fire(trigger, kwargs, { idempotencyKey })` was given a key that is not a
 * non-empty string of bounded length, or the session's storage does not
 * remember applied operations (see docs/firing.md, "Idempotency keys").
 * Nothing was sent.
 */
export class InvalidIdempotencyKeyError extends TriggersError implements InvalidIdempotencyKeyErrorFields {
  readonly key: unknown;
  readonly problem: InvalidIdempotencyKeyProblem;
  readonly limit?: number;
  readonly storageClass?: string;

  constructor(fields: InvalidIdempotencyKeyErrorFields) {
    super(InvalidIdempotencyKeyError.format(fields));
    this.key = fields.key;
    this.problem = fields.problem;
    if (fields.limit !== undefined) this.limit = fields.limit;
    if (fields.storageClass !== undefined) this.storageClass = fields.storageClass;
  }

  private static format(fields: InvalidIdempotencyKeyErrorFields): string {
    switch (fields.problem) {
      case 'not-a-string':
        return `Idempotency key must be a string, got ${quote(fields.key)}`;
      case 'empty':
        return 'Idempotency key must not be empty';
      case 'too-long':
        return `Idempotency key is ${String((fields.key as string).length)} characters long; the limit is ${String(fields.limit)}`;
      case 'unsupported':
        return `Storage ${fields.storageClass ?? 'of this session'} does not remember applied operations, so it cannot honour idempotency key ${quote(fields.key)}`;
    }
  }
}
