import { TriggersError } from './TriggersError';

/** What {@link WorkerLostError} knows. */
export interface WorkerLostErrorFields {
  /** The session of the instance. */
  uid: string;
  /** The instance that was left `running`. */
  instance: string;
  /** The BullMQ id of the re-delivered job, when it has one. */
  jobId?: string;
}

/**
 * A task instance was `running` on a worker that stopped (killed, crashed,
 * or blocked past its job lock) before recording an outcome: BullMQ
 * re-delivered its job. The task may have had side effects, so it is not
 * run a second time; the instance is failed so an operator can replay it.
 */
export class WorkerLostError extends TriggersError {
  /** The session of the instance. */
  readonly uid: string;
  /** The instance that was left `running`. */
  readonly instance: string;
  /** The BullMQ id of the re-delivered job, when it has one. */
  readonly jobId?: string;

  constructor(fields: WorkerLostErrorFields) {
    super(
      `Instance "${fields.instance}" of session ${JSON.stringify(fields.uid)} was running on a worker that stopped before ` +
        `recording an outcome (its job was re-delivered after the lock expired). It is not run twice; check the task's ` +
        `side effects, then replay it with replayFailedInstance.`,
    );
    this.uid = fields.uid;
    this.instance = fields.instance;
    this.jobId = fields.jobId;
  }
}
