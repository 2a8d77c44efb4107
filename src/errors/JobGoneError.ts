import { TriggersError } from './TriggersError';

/** What {@link JobGoneError} reports. */
export interface JobGoneErrorFields {
  /** The session of the instance. */
  uid: string;
  /** The instance left without a job. */
  instance: string;
  /** The status it was left in. */
  status: 'scheduled' | 'running';
  /** The BullMQ id its job has (or had). */
  jobId: string;
  /** The queue the job belongs in. */
  queue: string;
  /** What became of the job: `missing` (deleted or expired), `completed` or `failed` without recording an outcome. */
  jobState: 'missing' | 'completed' | 'failed';
}

/**
 * The worker's reconciliation found an instance `running` whose BullMQ job
 * is gone (deleted, expired, or finished without the outcome recorded) and
 * that no live worker claims: nothing would ever settle it, so it is failed
 * with this error. The task may have run partly; check, then replay it.
 */
export class JobGoneError extends TriggersError {
  readonly uid: string;
  readonly instance: string;
  readonly status: 'scheduled' | 'running';
  readonly jobId: string;
  readonly queue: string;
  readonly jobState: 'missing' | 'completed' | 'failed';

  constructor(fields: JobGoneErrorFields) {
    super(
      `Instance "${fields.instance}" of session ${JSON.stringify(fields.uid)} was left ${fields.status} but its job ` +
        `${fields.jobId} in queue "${fields.queue}" is gone (${fields.jobState === 'missing' ? 'it no longer exists' : `it ${fields.jobState} without recording an outcome`}) ` +
        `and no live worker claims it; nothing would settle it. Check the task's side effects, then replay it.`,
    );
    this.uid = fields.uid;
    this.instance = fields.instance;
    this.status = fields.status;
    this.jobId = fields.jobId;
    this.queue = fields.queue;
    this.jobState = fields.jobState;
  }
}
