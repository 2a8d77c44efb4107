import { TriggersError } from './TriggersError';

/** Two different classes were registered under the same name and kind. */
export class DuplicateRegistrationError extends TriggersError {}
