import { TriggersError } from './TriggersError';

/**
 * A Lua script of the Redis wing could not be composed from its files: a
 * missing file or include, an include cycle, a placeholder nobody filled.
 * `file` (relative to the scripts' folder) and `line` (1-based) locate the
 * directive at fault; the message is `file:line: reason`.
 */
export class LuaScriptError extends TriggersError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(`${file}:${line}: ${reason}`);
  }
}
