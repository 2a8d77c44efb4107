import { injectable } from 'inversify';
import type { InstanceRecord, Kwargs, TaskConfigEntry } from '../model';
import type { FireIndex } from './FireIndex';
import { MemoryDirectory } from './MemoryDirectory';

/**
 * One session's records, each kept as a private serialized copy (what
 * `JSON.parse(JSON.stringify(record))` gives); the backend hands out copies
 * of them, never these objects.
 */
export interface MemorySession {
  /** Task entries, copied once as JSON and deep-frozen (shared safely because immutable). */
  tasks: Map<string, TaskConfigEntry>;
  /** trigger -> the tasks that mention it and the triggers those mention; rebuilt when the tasks change. */
  tasksByTrigger?: FireIndex;
  /** Frozen record of every task entry; rebuilt when the tasks change. */
  tasksRecord?: Readonly<Record<string, TaskConfigEntry>>;
  instances: Map<string, InstanceRecord>;
  latestKwargs: Map<string, Kwargs>;
  instanceCounts: Map<string, number>;
  /** task -> names of its unstarted instances (an index, so `fire` ignores history). */
  unstarted: Map<string, Set<string>>;
  /** Operations applied under an idempotency key: id -> outcome and expiry (ms), in the order applied (so expiry order). */
  operations?: Map<string, { readonly outcome: string; readonly expiresAt: number }>;
}

/**
 * The process-local "database" behind `MemoryStorageBackend`: one per
 * container (bound as a singleton), so each test container starts empty and
 * every manager built from the same container sees the same sessions.
 */
@injectable()
export class MemoryStore {
  private readonly sessions = new Map<string, MemorySession>();
  /** Listings across this store's sessions, kept by the memory backend's writes. */
  readonly directory = new MemoryDirectory();

  /** The session's records, created empty on first use. */
  session(uid: string): MemorySession {
    let session = this.sessions.get(uid);
    if (session === undefined) {
      session = { tasks: new Map(), instances: new Map(), latestKwargs: new Map(), instanceCounts: new Map(), unstarted: new Map() };
      this.sessions.set(uid, session);
    }
    return session;
  }

  /** Forgets a session. */
  delete(uid: string): void {
    const session = this.sessions.get(uid);
    this.sessions.delete(uid);
    this.directory.forget(uid, session?.instances.values() ?? []);
  }

  /** Uids of every session held. */
  uids(): string[] {
    return [...this.sessions.keys()];
  }
}
