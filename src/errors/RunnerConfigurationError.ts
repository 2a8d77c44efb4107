import { TriggersError } from './TriggersError';

/** What {@link RunnerConfigurationError} knows. */
export interface RunnerConfigurationErrorFields {
  /** The whole message: what cannot work and what to do instead. */
  reason: string;
  /** The runner or worker at fault (`bullmq`, `TriggerWorker`), when known (a task executed inside the lock does not know who ran it). */
  runner?: string;
  /** The option at fault (`inline`, `queues`, `concurrency`, `queue`...), when one is. */
  option?: string;
  /** The value refused, when an option is at fault. */
  value?: unknown;
  /** The session concerned, when one is. */
  uid?: string;
  /** The instance concerned, when one is. */
  instance?: string;
}

/** A task runner or worker is configured in a way that cannot work (for example, running tasks synchronously inside the session lock), or was used after it was closed. */
export class RunnerConfigurationError extends TriggersError {
  /** What cannot work and what to do instead (the message). */
  readonly reason: string;
  /** The runner or worker at fault, when known. */
  readonly runner?: string;
  /** The option at fault, when one is. */
  readonly option?: string;
  /** The value refused, when an option is at fault. */
  readonly value?: unknown;
  /** The session concerned, when one is. */
  readonly uid?: string;
  /** The instance concerned, when one is. */
  readonly instance?: string;

  constructor(fields: RunnerConfigurationErrorFields) {
    super(fields.reason);
    this.reason = fields.reason;
    this.runner = fields.runner;
    this.option = fields.option;
    this.value = fields.value;
    this.uid = fields.uid;
    this.instance = fields.instance;
  }
}
