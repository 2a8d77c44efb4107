/** Where the Redis storage and the BullMQ runner connect, and how their keys are named. */
export interface RedisSettings {
  /** `redis://host:port/db` URL. */
  url: string;
  /** Prefix of every key and queue name (default `triggers`). */
  prefix: string;
  /** Seconds a session lives after its last write (undefined: forever). */
  sessionTtlSeconds?: number;
}
