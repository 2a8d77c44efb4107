import { parseTaskJobPayload } from '../../runners/TaskJobPayload';
import type { TaskJobPayload } from '../../runners/TaskJobPayload';
import { isPlainObject } from '../../model';

/**
 * The data of a BullMQ job the `bullmq` runner (or the Redis storage's
 * script) adds: the runner-neutral {@link TaskJobPayload} plus two hints
 * only this wing reads. Both are verified, never trusted: a record that
 * changed since takes the usual path.
 */
export interface BullMQJobData extends TaskJobPayload {
  /**
   * The instance's record text as the storage's script wrote it
   * `scheduled`, when that script enqueued the job: lets the worker compute
   * the start itself (the storage only compares texts). A JSON value (the
   * fetching script reads it in place), or a string in a job of an earlier
   * build; {@link recordHintText} gives its text.
   */
  record?: string | Record<string, unknown>;
  /**
   * With `record`: the Redis key base of the session (`<prefix>:{<tag>}:`),
   * where the script that fetches the job for a worker may start the
   * instance in the same step (`startOnFetchScript`), only under the
   * worker's own prefix and only while the stored record is still `record`.
   */
  session?: string;
}

/**
 * Checks the data of a job that came from the queue.
 *
 * @throws MalformedJobError naming every bad field
 */
export function parseBullMQJobData(data: unknown): BullMQJobData {
  const payload: BullMQJobData = parseTaskJobPayload(data, hintProblems);
  const { record, session } = data as Record<string, unknown>;
  if (record !== undefined) payload.record = record as string | Record<string, unknown>;
  if (session !== undefined) payload.session = session as string;
  return payload;
}

function hintProblems(fields: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const { record } = fields;
  if (record !== undefined && typeof record !== 'string' && !isPlainObject(record)) problems.push('"record" must be an object or a string');
  if (fields.session !== undefined && typeof fields.session !== 'string') problems.push('"session" must be a string');
  // The hint is the record of the instance the job names (its name first), never another's.
  if (isPlainObject(record) && record.name !== fields.instance) problems.push('"record" must be the record of the job\'s own instance');
  return problems;
}

/**
 * The text of a job's record hint (`JSON.stringify` of the value, which is
 * the text the script copied for records of the shape the storage writes),
 * or undefined when `record` is no hint.
 */
export function recordHintText(record: unknown): string | undefined {
  if (typeof record === 'string') return record;
  return isPlainObject(record) ? JSON.stringify(record) : undefined;
}
