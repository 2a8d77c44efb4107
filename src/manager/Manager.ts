import { injectable } from 'inversify';
import { TriggerRegistry } from '../registry/TriggerRegistry';
import type { Constructor } from '../registry/TriggerRegistry';

/**
 * Registers a `TriggerManager` subclass under `name` and makes it
 * injectable. Workers rebuild managers from this name, so a custom manager's
 * hooks also run for cascades that happen in another process.
 */
export function Manager(name: string): ClassDecorator {
  return (target) => {
    injectable()(target);
    TriggerRegistry.global.register('manager', name, target as unknown as Constructor, {});
  };
}
