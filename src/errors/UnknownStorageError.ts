import { TriggersError } from './TriggersError';

/** No storage backend is registered under that name. */
export class UnknownStorageError extends TriggersError {}
