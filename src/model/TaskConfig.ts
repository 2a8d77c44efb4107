import type { Kwargs } from './Kwargs';

/** One task entry of a configuration, as the user writes it in JSON. */
export interface TaskConfigEntry {
  /** Triggers (or task names) that must all fire, in any order. */
  after: string[];
  /** Registered trigger-task name to execute. */
  run: string;
  /** Each firing of this trigger creates a new instance; implicitly part of `after`. */
  andEvery?: string;
  /** Once all of these fired, unstarted instances are abandoned. */
  unless?: string[];
  /** Params merged under the trigger kwargs, per trigger name. */
  withParams?: Record<string, Kwargs>;
  /** Runner name for this task, overriding class and manager defaults. */
  using?: string;
  /** Any other key is kept verbatim in {@link TaskConfig.extras}. */
  [extra: string]: unknown;
}

/** A whole configuration: task name -> entry. */
export type TriggerConfiguration = Record<string, TaskConfigEntry>;

const memo = new WeakMap<TaskConfigEntry, TaskConfig>();

const KNOWN_KEYS = new Set(['after', 'run', 'andEvery', 'unless', 'withParams', 'using']);

/**
 * A validated task configuration inside a session.
 *
 * `after` already includes `andEvery`, so "is every required trigger here?" is
 * one set check. Build it from user input with `ConfigurationValidator`,
 * which refuses invalid entries; the constructor trusts its input.
 */
export class TaskConfig {
  /** Triggers that must all fire before an instance runs (`andEvery` included). */
  readonly after: Set<string>;
  /** Triggers that, once all fired, abandon the task's unstarted instances (empty: never). */
  readonly unless: Set<string>;
  /** The trigger each firing of which creates a new instance; undefined for a one-shot task. */
  readonly andEvery?: string;
  /** Per trigger name, params deep-merged under that trigger's kwargs before the task sees them. */
  readonly withParams: Record<string, Kwargs>;
  /** Runner name from the configuration's `using`, overriding the class and manager defaults. */
  readonly using?: string;
  /** Every other key of the entry, kept verbatim for custom managers (e.g. `queue`). */
  readonly extras: Record<string, unknown>;

  constructor(
    readonly name: string,
    readonly run: string,
    private readonly entry: TaskConfigEntry,
  ) {
    this.andEvery = entry.andEvery;
    this.after = new Set(entry.after);
    if (entry.andEvery !== undefined) this.after.add(entry.andEvery);
    this.unless = new Set(entry.unless ?? []);
    this.withParams = entry.withParams ?? {};
    this.using = entry.using;
    this.extras = {};
    for (const [key, value] of Object.entries(entry)) {
      if (!KNOWN_KEYS.has(key)) this.extras[key] = value;
    }
  }

  /**
   * Builds a config from a (validated) configuration entry. Configs are
   * immutable, so one built from a frozen entry is memoised: backends that
   * hand out the same frozen entry object avoid rebuilding it on every fire.
   */
  static fromEntry(name: string, entry: TaskConfigEntry): TaskConfig {
    if (!Object.isFrozen(entry)) return new TaskConfig(name, entry.run, entry);
    const cached = memo.get(entry);
    if (cached !== undefined && cached.name === name) return cached;
    const config = new TaskConfig(name, entry.run, entry);
    memo.set(entry, config);
    return config;
  }

  /** True if firing `trigger` concerns this task (`after`, `andEvery` or `unless`). */
  usesTrigger(trigger: string): boolean {
    return this.after.has(trigger) || this.unless.has(trigger);
  }

  /** The JSON entry this config was built from (extras included), as stored. */
  toEntry(): TaskConfigEntry {
    return this.entry;
  }
}
