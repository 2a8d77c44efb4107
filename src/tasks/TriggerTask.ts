import { injectable } from 'inversify';
import { TriggerRegistry } from '../registry/TriggerRegistry';
import type { Constructor } from '../registry/TriggerRegistry';
import { InvalidTaskOptionsError } from '../errors';
import { DEFAULT_MAX_RETRIES } from '../registry/TaskOptions';
import type { ResolvedTaskOptions, TriggerTaskOptions } from '../registry/TaskOptions';

/**
 * Registers a class as a trigger task under a name, making it injectable.
 * It only records; containers bind registered tasks when created (or in
 * `bindTriggerClasses`), and runners resolve them by name, never by path.
 *
 * ```ts
 * @TriggerTask({ maxRetries: 5 })
 * class ImportSubject extends Task { async run(ctx: TaskContext) { ... } }
 * ```
 */
export function TriggerTask(options: TriggerTaskOptions = {}): ClassDecorator {
  return (target) => {
    const ctor = target as unknown as Constructor;
    const resolved: ResolvedTaskOptions = {
      name: options.name ?? ctor.name,
      using: options.using,
      maxRetries: options.maxRetries ?? DEFAULT_MAX_RETRIES,
      queue: options.queue,
    };
    assertTaskOptions(ctor.name, resolved);
    injectable()(target);
    TriggerRegistry.global.register('task', resolved.name, ctor, resolved);
  };
}

/** Refuses options that cannot work, naming the class and the option. */
function assertTaskOptions(className: string, options: ResolvedTaskOptions): void {
  const where = `@TriggerTask on class ${className}`;
  if (typeof options.name !== 'string' || options.name.length === 0) {
    throw new InvalidTaskOptionsError(`${where}: name must be a non-empty string, got ${JSON.stringify(options.name)}`);
  }
  if (!Number.isInteger(options.maxRetries) || options.maxRetries < 0) {
    throw new InvalidTaskOptionsError(`${where} (task "${options.name}"): maxRetries must be a non-negative integer, got ${String(options.maxRetries)}`);
  }
  for (const key of ['using', 'queue'] as const) {
    const value = options[key];
    if (value !== undefined && (typeof value !== 'string' || value.length === 0)) {
      throw new InvalidTaskOptionsError(`${where} (task "${options.name}"): ${key} must be a non-empty string, got ${JSON.stringify(value)}`);
    }
  }
}
