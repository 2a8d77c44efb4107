/** Where a line of a composed script comes from: a file under the scripts' folder (or an insert) and its line. */
export interface LuaOrigin {
  /** Relative to the scripts' folder (`applyAtomically.lua`, `includes/members.lua`), or `<insert "name">`. */
  readonly file: string;
  /** 1-based. */
  readonly line: number;
}

/**
 * One command's script text as sent to Redis, composed by
 * `LuaScriptLoader` from its file, its includes and its inserts, with the
 * origin of every line so an error Redis reports at a line of the composed
 * text can name the file it came from.
 */
export class ComposedLua {
  constructor(
    /** The command's name (its file name without key count and extension). */
    readonly name: string,
    /** The command's file, relative to the scripts' folder. */
    readonly file: string,
    /** The key count in the file name; undefined for a command whose key count varies. */
    readonly keyCount: number | undefined,
    /** The composed text. */
    readonly text: string,
    private readonly origins: readonly LuaOrigin[],
  ) {}

  /** The file and line that line `line` (1-based) of {@link text} comes from; undefined out of range. */
  origin(line: number): LuaOrigin | undefined {
    return Number.isInteger(line) ? this.origins[line - 1] : undefined;
  }

  /**
   * `message` with the origin of the composed-script line it mentions
   * (Redis writes `user_script:<line>`) appended as ` [file:line]`;
   * unchanged when it mentions none.
   */
  explain(message: string): string {
    const line = /user_script:(\d+)/.exec(message)?.[1];
    const origin = line === undefined ? undefined : this.origin(Number(line));
    return origin === undefined ? message : `${message} [${origin.file}:${origin.line}]`;
  }
}
