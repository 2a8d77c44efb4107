import { TriggersError } from './TriggersError';

/**
 * The installed `bullmq` does not have the internal shape Triggers borrows
 * (its `addStandardJob` Lua, the names and key counts of its fetching
 * scripts). The message names the installed version, the supported range
 * and every mismatch; the fast paths depending on them are turned off.
 */
export class BullMQCompatibilityError extends TriggersError {
  constructor(
    readonly version: string,
    readonly supportedRange: string,
    readonly mismatches: readonly string[],
  ) {
    super(`bullmq ${version} (supported: ${supportedRange}) does not have the internal shape Triggers relies on: ${mismatches.join('; ')}`);
  }
}
