import { TriggersError } from './TriggersError';

/**
 * A session lock expired or was taken over by another process before the
 * operation holding it could write: the write was refused and nothing of it
 * was saved (the other holder's state stands). Usually means the holder was
 * paused longer than the lock's time-to-live.
 */
export class LockLostError extends TriggersError {}
