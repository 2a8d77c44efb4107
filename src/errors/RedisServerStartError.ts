import { TriggersError } from './TriggersError';

/**
 * `RedisServerProcess.start()` (the testing module's private Redis) could
 * not get a `redis-server` answering: the binary is missing, it exited
 * early (its output is in the message), or it did not answer PING in time.
 */
export class RedisServerStartError extends TriggersError {}
