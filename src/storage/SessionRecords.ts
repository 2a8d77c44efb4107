import type { InstanceRecord, Kwargs, TaskConfigEntry } from '../model';

/**
 * Everything a `fire` needs to read, fetched in one go so a backend can serve
 * it in one round trip: the session's task entries, the unstarted instances of
 * the tasks that mention the trigger, how many instances those tasks have,
 * and the latest kwargs of every trigger those tasks mention.
 */
export interface FireReadSet {
  tasks: Record<string, TaskConfigEntry>;
  /** Names of the tasks that mention the trigger, when the backend knows them (spares a scan of every task). */
  using?: string[];
  unstarted: InstanceRecord[];
  instanceCounts: Record<string, number>;
  latestKwargs: Record<string, Kwargs>;
}

/**
 * The writes of one locked operation, applied atomically by
 * `StorageBackend.writeChanges`. Instance entries carry the status they had
 * when loaded so indexed backends can move them between index sets.
 */
export interface SessionChanges {
  tasks: Record<string, TaskConfigEntry>;
  instances: InstanceRecord[];
  latestKwargs: Record<string, Kwargs>;
  instanceCounts: Record<string, number>;
  /**
   * The operation these writes belong to, for a backend that remembers
   * applied operations (see `StorageBackend.readAppliedOutcome`): it
   * records `id` with `outcome`, and writes nothing for an id it already
   * recorded.
   */
  operation?: { readonly id: string; readonly outcome: string };
}

/** True when a change set writes nothing. */
export function isEmptyChanges(changes: SessionChanges): boolean {
  return (
    changes.instances.length === 0 &&
    Object.keys(changes.tasks).length === 0 &&
    Object.keys(changes.latestKwargs).length === 0 &&
    Object.keys(changes.instanceCounts).length === 0
  );
}

/** A whole session as one JSON document: what snapshot-based custom backends load and save. */
export interface SessionSnapshot {
  tasks: Record<string, TaskConfigEntry>;
  instances: Record<string, InstanceRecord>;
  latestKwargs: Record<string, Kwargs>;
  instanceCounts: Record<string, number>;
}

/** An empty session. */
export function emptySnapshot(): SessionSnapshot {
  return { tasks: {}, instances: {}, latestKwargs: {}, instanceCounts: {} };
}
