import { injectable } from 'inversify';
import { TriggerRegistry } from '../registry/TriggerRegistry';
import type { Constructor } from '../registry/TriggerRegistry';

/**
 * Registers a `StorageBackend` subclass under `name` and makes it
 * injectable, so managers (and remote workers) can pick it by name.
 */
export function Storage(name: string): ClassDecorator {
  return (target) => {
    injectable()(target);
    TriggerRegistry.global.register('storage', name, target as unknown as Constructor, {});
  };
}
