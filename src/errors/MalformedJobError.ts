import { TriggersError } from './TriggersError';

/**
 * What {@link MalformedJobError} knows: the problems of a job payload read
 * from a queue, or the unregistered storage class that keeps a payload from
 * being built.
 */
export type MalformedJobErrorFields =
  | {
      /** Every bad field of the payload (`"uid" must be a non-empty string`), at least one. */
      problems: readonly string[];
    }
  | {
      /** The class name of a manager's storage that is not registered, so no payload can name it. */
      unregisteredStorage: string;
    };

/** A runner job payload is missing fields or is not the shape the framework writes (or cannot be built). */
export class MalformedJobError extends TriggersError {
  /** Every bad field of the payload (empty when the payload could not be built). */
  readonly problems: readonly string[];
  /** The unregistered storage class that kept a payload from being built, if that is the problem. */
  readonly unregisteredStorage?: string;

  constructor(fields: MalformedJobErrorFields) {
    super(
      'problems' in fields
        ? `Malformed job payload: ${fields.problems.join('; ')}`
        : `Storage class ${fields.unregisteredStorage} is not registered: decorate it with @Storage('name')`,
    );
    this.problems = 'problems' in fields ? fields.problems : [];
    this.unregisteredStorage = 'problems' in fields ? undefined : fields.unregisteredStorage;
  }
}
