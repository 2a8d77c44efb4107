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
      retryOnWorkerLoss: options.retryOnWorkerLoss ?? false,
    };
    assertTaskOptions(ctor.name, resolved);
    injectable()(target);
    TriggerRegistry.global.register('task', resolved.name, ctor, resolved);
  };
}

/** Refuses options that cannot work, naming the class and the option. */
function assertTaskOptions(className: string, options: ResolvedTaskOptions): void {
  if (typeof options.name !== 'string' || options.name.length === 0) {
    throw new InvalidTaskOptionsError({ className, option: 'name', value: options.name, reason: 'must be a non-empty string' });
  }
  if (!Number.isInteger(options.maxRetries) || options.maxRetries < 0) {
    throw new InvalidTaskOptionsError({ className, task: options.name, option: 'maxRetries', value: options.maxRetries, reason: 'must be a non-negative integer' });
  }
  if (typeof options.retryOnWorkerLoss !== 'boolean') {
    throw new InvalidTaskOptionsError({ className, task: options.name, option: 'retryOnWorkerLoss', value: options.retryOnWorkerLoss, reason: 'must be a boolean' });
  }
  for (const key of ['using', 'queue'] as const) {
    const value = options[key];
    if (value !== undefined && (typeof value !== 'string' || value.length === 0)) {
      throw new InvalidTaskOptionsError({ className, task: options.name, option: key, value, reason: 'must be a non-empty string' });
    }
  }
}
