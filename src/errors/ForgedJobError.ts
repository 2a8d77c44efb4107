import { TriggersError } from './TriggersError';

/** What a {@link ForgedJobError} reports. */
export interface ForgedJobFields {
  /** The id the job came with. */
  readonly jobId: string | undefined;
  /** The id the framework gives the job of the instance the payload names, when it names one. */
  readonly expectedJobId?: string;
  /** Session and instance the payload names, when it names them. */
  readonly uid?: string;
  readonly instance?: string;
  /** Why the job does not match (one sentence). */
  readonly reason: string;
}

/**
 * A queued job is not one the framework wrote for the instance it names
 * (its id is not that instance's deterministic job id). The worker fails
 * the job and touches no session: only the genuine job may act on an
 * instance.
 */
export class ForgedJobError extends TriggersError implements ForgedJobFields {
  readonly jobId: string | undefined;
  readonly expectedJobId?: string;
  readonly uid?: string;
  readonly instance?: string;
  readonly reason: string;

  constructor(fields: ForgedJobFields) {
    super(ForgedJobError.format(fields));
    this.jobId = fields.jobId;
    this.expectedJobId = fields.expectedJobId;
    this.uid = fields.uid;
    this.instance = fields.instance;
    this.reason = fields.reason;
  }

  private static format(fields: ForgedJobFields): string {
    const target =
      fields.uid === undefined || fields.instance === undefined
        ? ''
        : ` for instance "${fields.instance}" of session ${JSON.stringify(fields.uid)}`;
    return `Job ${JSON.stringify(fields.jobId ?? null)} rejected${target}: ${fields.reason}; no session was touched`;
  }
}
