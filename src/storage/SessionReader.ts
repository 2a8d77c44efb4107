import type { InstanceRecord, TaskConfigEntry } from '../model';
import type { FireReadSet, SessionChanges } from './SessionRecords';

/**
 * What a {@link SessionTransaction} needs of its storage: the record-level
 * reads and the one atomic write. `StorageBackend` implements it.
 */
export interface SessionReader {
  readonly uid: string;
  readTaskEntries(): Promise<Record<string, TaskConfigEntry>>;
  readTaskEntriesByName(names: string[]): Promise<Record<string, TaskConfigEntry>>;
  readInstanceRecords(names: string[]): Promise<Array<InstanceRecord | undefined>>;
  readInstanceCounts(tasks: string[]): Promise<Record<string, number>>;
  readForFire(trigger: string): Promise<FireReadSet>;
  readAppliedOutcome(operationId: string): Promise<string | undefined>;
  writeChanges(changes: SessionChanges): Promise<void>;
}
