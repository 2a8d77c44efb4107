import { TriggersError } from './TriggersError';

/** Storage settings (a Redis key prefix, a lock timing) are unusable; the message names the setting. */
export class InvalidStorageSettingsError extends TriggersError {}
