import { TriggersError } from './TriggersError';

/** No trigger manager is registered under that name. */
export class UnknownManagerError extends TriggersError {}
