import { TriggersError } from './TriggersError';

/** What {@link InvalidDashboardRequestError} knows. */
export interface InvalidDashboardRequestErrorFields {
  /** The query parameter or body field at fault (`status`, `since`, `kwargs`, `instance`). */
  parameter: string;
  /** What was given, as text; unset when nothing was. */
  value?: string;
  /** What is wrong, following `<parameter> <value>: `. */
  reason: string;
}

/**
 * The web dashboard was sent a request it cannot use: a filter, cursor,
 * instance name or JSON body that is missing or malformed. Answered with
 * HTTP 400 and nothing was changed (docs/dashboard.md).
 */
export class InvalidDashboardRequestError extends TriggersError {
  /** The parameter at fault. */
  readonly parameter: string;
  /** What was given; unset when nothing was. */
  readonly value?: string;
  /** What is wrong. */
  readonly reason: string;

  constructor(fields: InvalidDashboardRequestErrorFields) {
    super(fields.value !== undefined ? `${fields.parameter} ${JSON.stringify(fields.value)}: ${fields.reason}` : `${fields.parameter}: ${fields.reason}`);
    this.parameter = fields.parameter;
    this.value = fields.value;
    this.reason = fields.reason;
  }
}
