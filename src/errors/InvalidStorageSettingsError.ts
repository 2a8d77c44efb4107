import { TriggersError } from './TriggersError';

/** What {@link InvalidStorageSettingsError} knows. */
export interface InvalidStorageSettingsErrorFields {
  /** The whole message: what is wrong and how to fix it, naming the setting and its value. */
  reason: string;
  /** The setting at fault (`redis`, `prefix`, `lockTtlMs`, `sessionTtlSeconds`...); unset when none is (a closed connection). */
  setting?: string;
  /** The value refused, when a setting is at fault. */
  value?: unknown;
}

/** Storage settings (a Redis URL, key prefix, lock timing) are unusable, or a closed connection was used; `setting` names the setting. */
export class InvalidStorageSettingsError extends TriggersError {
  /** What is wrong and how to fix it (the message). */
  readonly reason: string;
  /** The setting at fault, when one is. */
  readonly setting?: string;
  /** The value refused, when a setting is at fault. */
  readonly value?: unknown;

  constructor(fields: InvalidStorageSettingsErrorFields) {
    super(fields.reason);
    this.reason = fields.reason;
    this.setting = fields.setting;
    this.value = fields.value;
  }
}
