import { TriggersError } from './TriggersError';

/** What {@link LuaScriptError} knows. */
export interface LuaScriptErrorFields {
  /** The file at fault, relative to the scripts' folder. */
  file: string;
  /** The 1-based line of the directive at fault (0 for the whole file). */
  line: number;
  /** What is wrong there. */
  reason: string;
}

/**
 * A Lua script of the Redis wing could not be composed from its files: a
 * missing file or include, an include cycle, a placeholder nobody filled.
 * The message is `file:line: reason`.
 */
export class LuaScriptError extends TriggersError {
  /** The file at fault, relative to the scripts' folder. */
  readonly file: string;
  /** The 1-based line of the directive at fault (0 for the whole file). */
  readonly line: number;
  /** What is wrong there. */
  readonly reason: string;

  constructor(fields: LuaScriptErrorFields) {
    super(`${fields.file}:${fields.line}: ${fields.reason}`);
    this.file = fields.file;
    this.line = fields.line;
    this.reason = fields.reason;
  }
}
