import { deepFreeze } from '../../model';
import type { TaskConfig, TaskConfigEntry } from '../../model';
import type { FireIndex } from '../../storage/FireIndex';

/**
 * One configuration as a process knows it: the task entries at a version,
 * and what is derived from them on demand. Nothing in it depends on the
 * session, so every session whose configuration has the same version shares
 * one object (derived once).
 */
export interface CachedTasks {
  /** The session's configuration version: a digest of its task entries (see {@link TaskConfigCache}). */
  readonly version: string;
  /** Task name -> entry, frozen. */
  readonly entries: Readonly<Record<string, TaskConfigEntry>>;
  /** trigger -> tasks mentioning it and the triggers those mention, derived from `entries` on demand. */
  fireIndex?: FireIndex;
  /** trigger -> the arguments of an atomic fire, derived from `entries` on demand. */
  atomicFires?: Map<string, AtomicFireArgs>;
  /** task -> its `TaskConfig`, built from `entries` on demand. */
  configs?: Map<string, TaskConfig>;
}

/**
 * The configurations a Redis connection knows, by session and by version.
 *
 * The configuration version a session stores is a digest of its task entries
 * (computed by the script that writes them), so two sessions with the same
 * version have the same configuration. Applications run many sessions of the
 * same few configurations; knowing one session's configuration therefore
 * means knowing every session's that has its version, without reading it
 * (a worker learns a session's version from the script that fetched a job of
 * it). Both maps are bounded and cleared when full: entries are only a
 * cache, every use is checked against the stored version.
 */
export class TaskConfigCache {
  private readonly bySession = new Map<string, CachedTasks>();
  private readonly byVersion = new Map<string, CachedTasks>();

  constructor(
    private readonly sessionLimit = 10_000,
    private readonly versionLimit = 1_000,
  ) {}

  /** The configuration last known for the session with key base `base`, whatever its version. */
  get(base: string): CachedTasks | undefined {
    return this.bySession.get(base);
  }

  /**
   * The configuration at `version` for session `base`: the session's own if
   * it is at that version, else the one another session at that version
   * brought (from now on the session's too); undefined if unknown here.
   */
  at(base: string, version: string): CachedTasks | undefined {
    const own = this.bySession.get(base);
    if (own?.version === version) return own;
    const shared = version === '' ? undefined : this.byVersion.get(version);
    if (shared !== undefined) this.setSession(base, shared);
    return shared;
  }

  /**
   * Records that session `base` has `entries` at `version` and returns the
   * (shared, frozen) configuration; `version` '' (unversioned) is returned
   * but not cached.
   */
  remember(base: string, version: string, entries: Record<string, TaskConfigEntry>): CachedTasks {
    let cached = version === '' ? undefined : this.byVersion.get(version);
    if (cached === undefined) {
      cached = { version, entries: deepFreeze(entries) };
      if (version === '') return cached;
      if (this.byVersion.size >= this.versionLimit) this.byVersion.clear();
      this.byVersion.set(version, cached);
    }
    this.setSession(base, cached);
    return cached;
  }

  private setSession(base: string, cached: CachedTasks): void {
    if (this.bySession.size >= this.sessionLimit) this.bySession.clear();
    this.bySession.set(base, cached);
  }
}

/** What {@link RedisScripts.applyAtomically} needs to fire one trigger, derived from a cached configuration. */
export interface AtomicFireArgs {
  /** The tasks mentioning the trigger. */
  tasks: readonly string[];
  triggerJson: string;
  /** `#tasks` and the per-task arguments the script documents. */
  args: readonly string[];
}
