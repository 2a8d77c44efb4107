import { TriggersError } from './TriggersError';

/** What {@link DuplicateRegistrationError} knows. */
export interface DuplicateRegistrationErrorFields {
  /** The kind of registration (`task`, `runner`, `manager`, `storage`). */
  kind: string;
  /** The name asked for (not necessarily a string when it is refused as empty). */
  registrationName: unknown;
  /** The class being registered. */
  className: string;
  /** The class already registered under that name; unset when the name itself is refused (empty). */
  registeredClassName?: string;
}

/** Two different classes were registered under the same name and kind (or a class under an empty name). */
export class DuplicateRegistrationError extends TriggersError {
  /** The kind of registration. */
  readonly kind: string;
  /** The name asked for. */
  readonly registrationName: unknown;
  /** The class being registered. */
  readonly className: string;
  /** The class already registered under that name; unset when the name is empty. */
  readonly registeredClassName?: string;

  constructor(fields: DuplicateRegistrationErrorFields) {
    super(
      fields.registeredClassName !== undefined
        ? `Cannot register ${fields.kind} "${String(fields.registrationName)}" for class ${fields.className}: ` +
            `class ${fields.registeredClassName} is already registered under that name`
        : `A ${fields.kind} must be registered under a non-empty name (class ${fields.className})`,
    );
    this.kind = fields.kind;
    this.registrationName = fields.registrationName;
    this.className = fields.className;
    this.registeredClassName = fields.registeredClassName;
  }
}
