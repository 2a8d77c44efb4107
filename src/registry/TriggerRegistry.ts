import 'reflect-metadata';
import { DuplicateRegistrationError } from '../errors';

/** The four things registered by name. */
export type RegistryKind = 'task' | 'runner' | 'manager' | 'storage';

/** A class constructor, possibly abstract-derived, with any constructor parameters. */
export type Constructor<T = unknown> = new (...args: never[]) => T;

/** One registered class and the options its decorator recorded. */
export interface Registration<O = object> {
  kind: RegistryKind;
  name: string;
  target: Constructor;
  options: O;
}

const NAME_KEY = Symbol.for('triggers.registeredName');

/**
 * The record the class decorators write to. Decorators only record here (and
 * in Reflect metadata); `bindTriggerClasses` later reads it into a container.
 * Registration is by name so a job payload carrying only names can be turned
 * back into code in another process, and nothing outside it can be run.
 */
export class TriggerRegistry {
  private readonly byKind = new Map<RegistryKind, Map<string, Registration>>();
  private version = 0;

  /** Records `target` as `kind` `name`; re-registering the same class is a no-op. */
  register<O extends object>(kind: RegistryKind, name: string, target: Constructor, options: O): void {
    if (typeof name !== 'string' || name.length === 0) {
      throw new DuplicateRegistrationError({ kind, registrationName: name, className: target.name });
    }
    const entries = this.kindMap(kind);
    const existing = entries.get(name);
    if (existing !== undefined && existing.target !== target) {
      throw new DuplicateRegistrationError({
        kind,
        registrationName: name,
        className: target.name,
        registeredClassName: existing.target.name,
      });
    }
    entries.set(name, { kind, name, target, options });
    Reflect.defineMetadata(NAME_KEY, { ...(Reflect.getOwnMetadata(NAME_KEY, target) ?? {}), [kind]: name }, target);
    this.version += 1;
  }

  /** The registration of `kind` `name`, if any. */
  get<O extends object = object>(kind: RegistryKind, name: string): Registration<O> | undefined {
    return this.kindMap(kind).get(name) as Registration<O> | undefined;
  }

  /** Every registration of `kind`. */
  all(kind: RegistryKind): Registration[] {
    return [...this.kindMap(kind).values()];
  }

  /** Registered names of `kind`, sorted (for error messages). */
  names(kind: RegistryKind): string[] {
    return [...this.kindMap(kind).keys()].sort();
  }

  /** Changes whenever something is registered, so containers know to re-bind. */
  get revision(): number {
    return this.version;
  }

  /**
   * The name `target` itself was registered under as `kind` (not an
   * ancestor's: a subclass rebuilt under its parent's name would silently
   * lose its own behaviour in another process).
   */
  static nameOf(kind: RegistryKind, target: object): string | undefined {
    const names = Reflect.getOwnMetadata(NAME_KEY, target) as Partial<Record<RegistryKind, string>> | undefined;
    return names?.[kind];
  }

  private kindMap(kind: RegistryKind): Map<string, Registration> {
    let map = this.byKind.get(kind);
    if (map === undefined) this.byKind.set(kind, (map = new Map()));
    return map;
  }

  /** The registry every decorator writes to. */
  static readonly global = new TriggerRegistry();
}
