/**
 * Injection tokens users bind or rebind in a Triggers container.
 *
 * ```ts
 * container.rebind(TRIGGERS.DefaultTaskRunnerName).toConstantValue('threading');
 * ```
 */
export const TRIGGERS = {
  /** `string`: runner used when neither the task config nor the task class says `using` ('bullmq' with Redis, else 'threading'). */
  DefaultTaskRunnerName: Symbol.for('triggers.DefaultTaskRunnerName'),
  /** `string`: storage backend used by `getManager` ('redis' with Redis, else 'memory'). */
  DefaultStorageName: Symbol.for('triggers.DefaultStorageName'),
  /** `string`: manager type used by `getManager` ('default'). */
  DefaultManagerName: Symbol.for('triggers.DefaultManagerName'),
  /** `ManagerFactory`: builds a manager of a registered type over a storage of a registered type. */
  ManagerFactory: Symbol.for('triggers.ManagerFactory'),
  /** The container itself, for framework classes that resolve names at run time. */
  Container: Symbol.for('triggers.Container'),
  /** `MemoryStore`: the sessions of the memory backend (one per container). */
  MemoryStore: Symbol.for('triggers.MemoryStore'),
  /** `number`: seconds a storage remembers an operation applied under an idempotency key (default 86,400). */
  IdempotencyWindowSeconds: Symbol.for('triggers.IdempotencyWindowSeconds'),
  /** `LogSink`: where task log messages go besides the instance's `logLevel`. */
  LogSink: Symbol.for('triggers.LogSink'),
  /** `TaskExecutor`: runs the task lifecycle for a job payload (used by every runner). */
  TaskExecutor: Symbol.for('triggers.TaskExecutor'),
  /** `RedisSettings`: connection and key prefix for the Redis storage and BullMQ runner. */
  RedisSettings: Symbol.for('triggers.RedisSettings'),
  /** `RedisConnection`: the container's one shared, lazily opened ioredis connection (close it with `closeTriggersContainer`). */
  RedisConnection: Symbol.for('triggers.RedisConnection'),
  /** `QueueRouter`: picks the BullMQ queue of an instance (optional; see `BullMQTaskRunner`). */
  QueueRouter: Symbol.for('triggers.QueueRouter'),
  /** `BullMQRunnerOptions`: default queue, job retention, refused inline modes (optional). */
  BullMQOptions: Symbol.for('triggers.BullMQOptions'),
} as const;

/** Token of the class registered as trigger task `name`. */
export const taskToken = tokenBuilder('triggers:task:');

/** Token of the class registered as task runner `name`. */
export const runnerToken = tokenBuilder('triggers:runner:');

/** Token of the class registered as trigger manager `name`. */
export const managerToken = tokenBuilder('triggers:manager:');

/** Token of the class registered as storage backend `name`. */
export const storageToken = tokenBuilder('triggers:storage:');

/** Names remembered per kind before the memo starts over (payloads may carry any name). */
const MAX_MEMOISED_TOKENS = 1_000;

/**
 * `name => prefix + name`, returning the same string object for the same
 * name. Inversify looks tokens up in Maps on every resolution, and a
 * freshly concatenated string has to be hashed each time it is looked up;
 * a remembered one carries its hash (a worker builds a manager per job).
 */
function tokenBuilder(prefix: string): (name: string) => string {
  const tokens = new Map<string, string>();
  return (name: string): string => {
    let token = tokens.get(name);
    if (token === undefined) {
      if (tokens.size >= MAX_MEMOISED_TOKENS) tokens.clear();
      token = `${prefix}${name}`;
      tokens.set(name, token);
    }
    return token;
  };
}
