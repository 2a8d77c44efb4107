/**
 * The attribute names Triggers puts on its spans and metrics (see
 * docs/observability.md).
 */
export const TelemetryAttributes = {
  /** The session uid. */
  Session: 'triggers.session.uid',
  /** The trigger a fire fired (for a cascade: the task whose outcome fired it). */
  Trigger: 'triggers.trigger',
  /** Whether a fire is a cascade (a finished or skipped task firing its name). */
  Cascade: 'triggers.cascade',
  /** The instances a fire scheduled (names). */
  Scheduled: 'triggers.scheduled',
  /** The task name (the configuration's key). */
  Task: 'triggers.task',
  /** The instance name (`t_import#0`). */
  Instance: 'triggers.instance',
  /** The BullMQ queue a job came from. */
  Queue: 'triggers.queue',
  /** The status the job or task left its instance in (`finished`, `failed`...). */
  Status: 'triggers.status',
} as const;
