import { injectable } from 'inversify';
import { TriggerRegistry } from '../registry/TriggerRegistry';
import type { Constructor } from '../registry/TriggerRegistry';

/**
 * Registers a task runner class under `name` (what `using` and the default
 * runner token refer to) and makes it injectable. Runners are bound as
 * singletons: one per container.
 */
export function Runner(name: string): ClassDecorator {
  return (target) => {
    injectable()(target);
    TriggerRegistry.global.register('runner', name, target as unknown as Constructor, {});
  };
}
