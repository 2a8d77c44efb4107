import { TriggersError } from '../../errors/TriggersError';

/** Fields of {@link UnknownSessionError}. */
export interface UnknownSessionErrorFields {
  /** The session uid asked for. */
  readonly uid: string;
  /** The key prefix it was looked up under. */
  readonly prefix: string;
}

/**
 * A `triggers` command was pointed at a session the storage holds nothing
 * for (no configuration, no fired trigger): most often a mistyped uid or
 * `--prefix`. The CLI exits 3 and changes nothing.
 */
export class UnknownSessionError extends TriggersError {
  readonly uid: string;
  readonly prefix: string;

  constructor(fields: UnknownSessionErrorFields) {
    super(`No session ${JSON.stringify(fields.uid)} under prefix ${JSON.stringify(fields.prefix)}: it has no configuration and no fired trigger (check the uid and --prefix)`);
    this.uid = fields.uid;
    this.prefix = fields.prefix;
  }
}
