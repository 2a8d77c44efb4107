import type { PipelinedFinish } from './PipelinedFinish';
import type { FetchedStart } from './StartOnFetchScript';

/** How many entries each hand-off map keeps at most (each is taken within moments of being noted). */
const LIMIT = 10_000;

/**
 * What a `TriggerWorker` hands to the Redis storage of the same container
 * about the job it is running, keyed by session uid and instance name, and
 * taken once by the storage when the manager reaches that instance:
 *
 * - a **scheduled record**: the record text the job carries (as the script
 *   that scheduled the instance wrote it), so the start can be computed
 *   here and only compared server-side;
 * - a **fetched start**: BullMQ's fetch already started the instance (see
 *   `StartOnFetch`), so the storage adopts it instead of starting it;
 * - a **pipelined finish**: the finish may travel on BullMQ's connection,
 *   ahead of the job's completion (see {@link PipelinedFinish}).
 *
 * Everything here is a hint: the storage verifies each against the stored
 * state, and a hint nobody takes is dropped when its map is full.
 */
export class JobHandoffs {
  private readonly scheduledRecords = new Map<string, string>();
  private readonly fetchedStarts = new Map<string, FetchedStart>();
  private readonly pipelinedFinishes = new Map<string, PipelinedFinish>();

  /** Notes the record text the job of `instance` of session `uid` carries. */
  noteScheduledRecord(uid: string, instance: string, record: string): void {
    put(this.scheduledRecords, keyOf(uid, instance), record);
  }

  /** Takes the noted record text of `instance` of session `uid`, if any (once). */
  takeScheduledRecord(uid: string, instance: string): string | undefined {
    return take(this.scheduledRecords, uid, instance);
  }

  /** Notes that the script that fetched the job of `start.instance` of session `uid` already started it. */
  noteFetchedStart(uid: string, start: FetchedStart): void {
    put(this.fetchedStarts, keyOf(uid, start.instance), start);
  }

  /** Takes the noted start of `instance` of session `uid`, if any (once). */
  takeFetchedStart(uid: string, instance: string): FetchedStart | undefined {
    return take(this.fetchedStarts, uid, instance);
  }

  /**
   * Offers to send the finish of `instance` of session `uid` on its job's
   * connection; the first atomic status change of that instance takes it.
   * Returns the withdrawal (call it once the job's execution settled).
   */
  offerPipelinedFinish(uid: string, instance: string, finish: PipelinedFinish): () => void {
    const key = keyOf(uid, instance);
    put(this.pipelinedFinishes, key, finish);
    return () => {
      if (this.pipelinedFinishes.get(key) === finish) this.pipelinedFinishes.delete(key);
    };
  }

  /** Takes the offered finish of `instance` of session `uid`, if any (once). */
  takePipelinedFinish(uid: string, instance: string): PipelinedFinish | undefined {
    return take(this.pipelinedFinishes, uid, instance);
  }
}

function keyOf(uid: string, instance: string): string {
  return `${uid}\u0000${instance}`;
}

/** Sets `key`, dropping the oldest entry when the map is full. */
function put<T>(map: Map<string, T>, key: string, value: T): void {
  if (map.size >= LIMIT && !map.has(key)) map.delete(map.keys().next().value as string);
  map.set(key, value);
}

function take<T>(map: Map<string, T>, uid: string, instance: string): T | undefined {
  if (map.size === 0) return undefined;
  const key = keyOf(uid, instance);
  const value = map.get(key);
  if (value !== undefined) map.delete(key);
  return value;
}
