import { TriggersError } from './TriggersError';

/** What {@link WorkerLostError} knows. */
export interface WorkerLostErrorFields {
  /** The session of the instance. */
  uid: string;
  /** The instance that was left `running`. */
  instance: string;
  /** The BullMQ id of the instance's job, when it has one. */
  jobId?: string;
  /** The worker whose heartbeat last claimed the job, when one did. */
  workerId?: string;
  /** That worker's last heartbeat (Redis server time). */
  lastHeartbeat?: Date;
  /** How long a worker may go without a heartbeat before it counts as dead, ms. */
  heartbeatTimeoutMs?: number;
}

/**
 * A task instance was `running` on a worker that stopped (killed, crashed,
 * or blocked so long that its heartbeat stopped) before recording an
 * outcome. Raised only once no live worker's heartbeat claims the job. The
 * task may have had side effects, so it is not run a second time (unless
 * the task opted into `retryOnWorkerLoss`); the instance is failed so an
 * operator can replay it.
 */
export class WorkerLostError extends TriggersError {
  /** The session of the instance. */
  readonly uid: string;
  /** The instance that was left `running`. */
  readonly instance: string;
  /** The BullMQ id of the instance's job, when it has one. */
  readonly jobId?: string;
  /** The worker whose heartbeat last claimed the job, when one did. */
  readonly workerId?: string;
  /** That worker's last heartbeat (Redis server time). */
  readonly lastHeartbeat?: Date;
  /** How long a worker may go without a heartbeat before it counts as dead, ms. */
  readonly heartbeatTimeoutMs?: number;

  constructor(fields: WorkerLostErrorFields) {
    super(WorkerLostError.format(fields));
    this.uid = fields.uid;
    this.instance = fields.instance;
    this.jobId = fields.jobId;
    this.workerId = fields.workerId;
    this.lastHeartbeat = fields.lastHeartbeat;
    this.heartbeatTimeoutMs = fields.heartbeatTimeoutMs;
  }

  private static format(fields: WorkerLostErrorFields): string {
    const bound = fields.heartbeatTimeoutMs === undefined ? '' : ` for over ${fields.heartbeatTimeoutMs} ms`;
    const worker =
      fields.workerId === undefined
        ? `no live worker's heartbeat claims its job${bound}`
        : `worker ${JSON.stringify(fields.workerId)} that ran it has sent no heartbeat${bound}` +
          (fields.lastHeartbeat === undefined ? '' : ` (last at ${fields.lastHeartbeat.toISOString()})`);
    return (
      `Instance "${fields.instance}" of session ${JSON.stringify(fields.uid)} was running on a worker that stopped before ` +
      `recording an outcome: ${worker}. It is not run twice; check the task's side effects, then replay it with ` +
      `replayFailedInstance.`
    );
  }
}
