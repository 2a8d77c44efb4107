import { TriggersError } from './TriggersError';

/**
 * Why a session uid was refused: `unopened` (the backend serves no session
 * yet), `reopened` (the backend already serves another session),
 * `not-a-string`, `empty`, `too-long`.
 */
export type InvalidSessionUidProblem = 'unopened' | 'reopened' | 'not-a-string' | 'empty' | 'too-long';

/** What {@link InvalidSessionUidError} knows. */
export interface InvalidSessionUidErrorFields {
  /** Why the uid was refused. */
  problem: InvalidSessionUidProblem;
  /** The uid refused (not necessarily a string); unset for `unopened`. */
  uid?: unknown;
  /** The session the backend already serves (for `reopened`). */
  openUid?: string;
  /** The length limit in code units (for `too-long`). */
  limit?: number;
}

/** A session uid is not a usable string (empty, not a string, or too long), or a storage object is reused for another uid. */
export class InvalidSessionUidError extends TriggersError {
  /** Why the uid was refused. */
  readonly problem: InvalidSessionUidProblem;
  /** The uid refused; unset for `unopened`. */
  readonly uid?: unknown;
  /** The session the backend already serves (for `reopened`). */
  readonly openUid?: string;
  /** The length limit in code units (for `too-long`). */
  readonly limit?: number;

  constructor(fields: InvalidSessionUidErrorFields) {
    super(InvalidSessionUidError.describe(fields));
    this.problem = fields.problem;
    this.uid = fields.uid;
    this.openUid = fields.openUid;
    this.limit = fields.limit;
  }

  private static describe(fields: InvalidSessionUidErrorFields): string {
    switch (fields.problem) {
      case 'unopened':
        return 'Storage backend has not been opened on a session';
      case 'reopened':
        return `Storage backend is already open on session "${fields.openUid}"`;
      case 'not-a-string':
        return `Session uid must be a string, got ${typeof fields.uid}`;
      case 'empty':
        return 'Session uid must not be empty';
      case 'too-long': {
        const length = typeof fields.uid === 'string' ? `${fields.uid.length} characters` : 'too';
        return `Session uid is ${length} long; the limit is ${fields.limit}`;
      }
    }
  }
}
