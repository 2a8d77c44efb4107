import { BullMQInternals } from '../bullmq/BullMQInternals';
import { RedisScript } from './RedisScript';

/**
 * The Lua scripts of the Redis storage, composed from their files in
 * `src/redis/lua/` (each file's header lists its KEYS, ARGV and reply).
 * Each runs atomically on the server, so a whole read or write of an
 * operation is one round trip and is never seen half-done. Keys come first
 * (all in the session's hash slot); the per-task unstarted sets are derived
 * from a key prefix passed as argument, which is fine on a Cluster because
 * they share the session's hash tag. Sent as `EVALSHA` ({@link RedisScript}).
 */
export const RedisScripts = {
  /** Takes the lock, or extends it for its owner, with fairness towards a marked waiter (`lockAcquire-2.lua`). */
  lockAcquire: RedisScript.load<number>('lockAcquire'),

  /** Extends the lock for its owner and says whether someone waits (`lockRenew-2.lua`). */
  lockRenew: RedisScript.load<[number, number]>('lockRenew'),

  /** Deletes the lock only for its owner (`lockRelease-1.lua`). */
  lockRelease: RedisScript.load<number>('lockRelease'),

  /** Drops a session's entry from the sessions index once the session has no keys left (`dropExpiredSession-4.lua`). */
  dropExpiredSession: RedisScript.load<number>('dropExpiredSession'),

  /** Drops an instance's entry from a directory index once its record is gone (`dropGoneInstance-2.lua`). */
  dropGoneInstance: RedisScript.load<number>('dropGoneInstance'),

  /** Everything a fire reads, in one round trip (`readForFire-6.lua`). */
  readForFire: RedisScript.load<FireReply>('readForFire'),

  /** One operation's writes, fenced by the lock token, with the configuration digest (`writeChanges-9.lua`). */
  writeChanges: RedisScript.load<[number, string, string]>('writeChanges'),

  /** A worker's start in one step, by splicing the stored record (`startScheduled-9.lua`). */
  startScheduled: RedisScript.load<[0] | [1] | [2, string, string] | [3, string, string]>('startScheduled'),

  /** A worker's start by text comparison, with the record it computed (`startKnown-9.lua`). */
  startKnown: RedisScript.load<number>('startKnown'),

  /**
   * A status change and/or a fire in one atomic step without the lock, the
   * BullMQ jobs of scheduled instances added by BullMQ's own add script
   * when the installed BullMQ has it in the expected shape
   * ({@link BullMQInternals}) (`applyAtomically.lua`).
   */
  applyAtomically: RedisScript.load<AtomicReply>('applyAtomically', {
    addStandardJob: BullMQInternals.installed().addStandardJobLua ?? "error('BullMQ add script unavailable')",
  }),

  /** The outcome an operation id was applied with, while its window lasts (`readAppliedOutcome-1.lua`). */
  readAppliedOutcome: RedisScript.load<string | null>('readAppliedOutcome'),

  /** Deletes every key of the session, fenced like a write (`deleteSession-8.lua`). */
  deleteSession: RedisScript.load<number>('deleteSession'),
};

/**
 * What {@link RedisScripts.applyAtomically} returns: declined, or the
 * updated record and the scheduled instances as [name, record, enqueued
 * ('1': its job was added by the script, '0': hand it to its runner)] triples;
 * 3 instead of 2 when the operation id was applied before (nothing written,
 * the records as they are now).
 */
export type AtomicReply = [0] | [2, string, string[]] | [3, string, string[]];

/** Marker in the error a fenced script returns when the lock was lost. */
export const LOCK_LOST_MARKER = 'TRIGGERS_LOCK_LOST';

/** What {@link RedisScripts.readForFire} returns: task pairs, using tasks, unstarted records, counts, latest pairs, tasks version. */
export type FireReply = [string[], string[], string[], string[], string[], string];
