import type { TaskConfigEntry } from '../model';

/** What `fire(trigger)` reads, derived from the configuration for one trigger. */
export interface FireIndexEntry {
  /** Names of the tasks whose `after`/`andEvery`/`unless` mention the trigger. */
  readonly using: readonly string[];
  /** Every trigger those tasks mention (whose latest kwargs a new instance copies). */
  readonly mentioned: readonly string[];
}

const NOTHING: FireIndexEntry = Object.freeze({ using: [], mentioned: [] });

/**
 * The configuration inverted: trigger -> the tasks that mention it and the
 * triggers those tasks mention. Built once per configuration version (one
 * pass over the tasks), so every fire is a lookup whatever it fires; every
 * backend's `readForFire` derives what to read from it.
 */
export class FireIndex {
  private constructor(private readonly byTrigger: ReadonlyMap<string, FireIndexEntry>) {}

  /** Indexes the task entries of a configuration. */
  static build(entries: Iterable<readonly [string, TaskConfigEntry]>): FireIndex {
    const tasks = new Map<string, readonly string[]>();
    const using = new Map<string, string[]>();
    for (const [name, entry] of entries) {
      const triggers = triggersOf(entry);
      tasks.set(name, triggers);
      for (const trigger of triggers) {
        const list = using.get(trigger);
        if (list === undefined) using.set(trigger, [name]);
        else list.push(name);
      }
    }
    const byTrigger = new Map<string, FireIndexEntry>();
    for (const [trigger, names] of using) {
      const mentioned = new Set<string>();
      for (const name of names) for (const t of tasks.get(name) ?? []) mentioned.add(t);
      byTrigger.set(trigger, { using: names, mentioned: [...mentioned] });
    }
    return new FireIndex(byTrigger);
  }

  /** The entry of `trigger` (empty when no task mentions it). */
  get(trigger: string): FireIndexEntry {
    return this.byTrigger.get(trigger) ?? NOTHING;
  }
}

/** The distinct triggers one entry mentions (`after`, `andEvery`, `unless`). */
function triggersOf(entry: TaskConfigEntry): readonly string[] {
  const triggers = new Set(entry.after);
  if (entry.andEvery !== undefined) triggers.add(entry.andEvery);
  for (const trigger of entry.unless ?? []) triggers.add(trigger);
  return [...triggers];
}
