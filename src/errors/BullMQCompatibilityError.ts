import { TriggersError } from './TriggersError';

/** What {@link BullMQCompatibilityError} knows. */
export interface BullMQCompatibilityErrorFields {
  /** The installed bullmq version. */
  version: string;
  /** The range of versions whose internals Triggers knows. */
  supportedRange: string;
  /** Every shape that did not match. */
  mismatches: readonly string[];
}

/**
 * The installed `bullmq` does not have the internal shape Triggers borrows
 * (its `addStandardJob` Lua, the names and key counts of its fetching
 * scripts). The fast paths depending on them are turned off.
 */
export class BullMQCompatibilityError extends TriggersError {
  /** The installed bullmq version. */
  readonly version: string;
  /** The range of versions whose internals Triggers knows. */
  readonly supportedRange: string;
  /** Every shape that did not match. */
  readonly mismatches: readonly string[];

  constructor(fields: BullMQCompatibilityErrorFields) {
    super(
      `bullmq ${fields.version} (supported: ${fields.supportedRange}) does not have the internal shape Triggers relies on: ${fields.mismatches.join('; ')}`,
    );
    this.version = fields.version;
    this.supportedRange = fields.supportedRange;
    this.mismatches = fields.mismatches;
  }
}
