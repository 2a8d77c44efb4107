import { TriggersError } from './TriggersError';

/** A custom storage backend did not implement the snapshot methods it relies on. */
export class StorageNotImplementedError extends TriggersError {}
