import type { RedisEndpoint } from '../connection/RedisEndpoint';

/**
 * How a storage that applies an operation as one server-side script may
 * enqueue the job of an instance it schedules **in that same script**, so
 * recording `scheduled` and enqueueing happen atomically and in one round
 * trip (see {@link BaseTaskRunner.scriptedJob}).
 *
 * Everything the script needs is text the runner prepared; the script only
 * concatenates, with `instanceJson` the JSON string of the instance name and
 * `kwargsJson` the instance's kwargs object as recorded:
 * - job id: `'i-' .. sha1hex(jobIdHead .. instanceJson .. ']')`;
 * - job data: `payloadHead .. instanceJson .. payloadMiddle .. kwargsJson ..
 *   payloadTail` and `}`; when the instance's record text (as just
 *   written) is at most 8 KiB, the data opens instead with two hints for
 *   the worker's start, `{"session":<key base>,"record":<record text>,`
 *   (the record as a JSON value; bigger records are not copied into the
 *   job), followed by the rest of `payloadHead`.
 *
 * Only instances without `cooldown` or `depth` metadata qualify (their job
 * options are then the same for every instance of the task); the others are
 * handed to the runner's `run` as usual.
 */
export interface ScriptedJob {
  /** The Redis server the queue lives on: the script must run on the same one. */
  readonly endpoint: RedisEndpoint;
  /** The BullMQ queue's key prefix, `<prefix>:bull:<queue>:`. */
  readonly queueKeyPrefix: string;
  /** The BullMQ job name (the task class name). */
  readonly jobName: string;
  /** The job options as JSON text, without `jobId` (the script sets it on each job's). */
  readonly optionsJson: string;
  /** Start of the JSON array hashed into the job id: `[<prefix>,<uid>,`. */
  readonly jobIdHead: string;
  /** Start of the job data, up to `"instance":`. */
  readonly payloadHead: string;
  /** Job data between the instance name and the kwargs object. */
  readonly payloadMiddle: string;
  /** Job data after the kwargs object, without the closing brace (the script appends `}`). */
  readonly payloadTail: string;
}
