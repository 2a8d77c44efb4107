import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { LuaScriptError } from '../../errors';
import { ComposedLua } from './ComposedLua';
import type { LuaOrigin } from './ComposedLua';

/** A directive line: `--- @include "name"` (a file of `includes/`) or `--- @insert "name"` (text the caller passes). */
const DIRECTIVE = /^--- @(\w+)\s+"([^"]+)"\s*$/;

/** A command's file name: `<name>-<key count>.lua`, or `<name>.lua` when its key count varies. */
const COMMAND_FILE = /^([A-Za-z]\w*?)(?:-(\d+))?\.lua$/;

/**
 * Composes the Redis wing's Lua commands from their files: one `.lua` per
 * command in its folder (named `<name>-<key count>.lua`, or `<name>.lua`
 * when the key count varies) and shared functions in `includes/`.
 *
 * - `--- @include "name"` is replaced by `includes/<name>.lua`, itself
 *   composed the same way; each include is inlined once per script (the
 *   first time it is met), and a cycle is an error.
 * - `--- @insert "name"` is replaced by text the caller passes (generated
 *   parts: BullMQ's script bodies, the session key layout); taken as is.
 *
 * Files are read once and kept. A missing file, a cycle, an unknown
 * directive or an insert nobody passed throws {@link LuaScriptError}
 * naming the file and line of the directive at fault.
 */
export class LuaScriptLoader {
  /** The loader of the scripts shipped next to this file (`src/redis/lua/`, copied to `dist/` by the build). */
  static readonly shared = new LuaScriptLoader(__dirname);

  private readonly texts = new Map<string, string | undefined>();
  private commandFiles: ReadonlyMap<string, { file: string; keyCount: number | undefined }> | undefined;

  constructor(readonly directory: string) {}

  /**
   * The script of command `name`, composed.
   *
   * @param inserts the text of each `--- @insert` placeholder of the command (every one must be used)
   * @throws LuaScriptError for a missing command or include, a cycle, an unknown directive, a missing or unused insert
   */
  compose(name: string, inserts: Readonly<Record<string, string>> = {}): ComposedLua {
    const command = this.commands().get(name);
    if (command === undefined) throw new LuaScriptError({ file: `${name}.lua`, line: 0, reason: `no command "${name}" in ${this.directory}` });
    const lines: string[] = [];
    const origins: LuaOrigin[] = [];
    const used = new Set<string>();
    const inlined = new Set<string>();
    const stack: string[] = [];
    const expand = (file: string, from: LuaOrigin | undefined): void => {
      if (stack.includes(file)) {
        const at = from ?? { file, line: 0 };
        throw new LuaScriptError({ file: at.file, line: at.line, reason: `include cycle: ${[...stack.slice(stack.indexOf(file)), file].join(' -> ')}` });
      }
      if (inlined.has(file)) return;
      const text = this.read(file);
      if (text === undefined) {
        const at = from ?? { file, line: 0 };
        throw new LuaScriptError({ file: at.file, line: at.line, reason: `cannot read ${file}` });
      }
      stack.push(file);
      text.split('\n').forEach((content, index) => {
        const here = { file, line: index + 1 };
        const directive = DIRECTIVE.exec(content);
        if (directive === null) {
          if (content.startsWith('--- @')) throw new LuaScriptError({ file: file, line: here.line, reason: `malformed directive: ${content}` });
          lines.push(content);
          origins.push(here);
        } else if (directive[1] === 'include') {
          expand(`includes/${directive[2]}.lua`, here);
        } else if (directive[1] === 'insert') {
          const insert = Object.hasOwn(inserts, directive[2]) ? inserts[directive[2]] : undefined;
          if (insert === undefined) throw new LuaScriptError({ file: file, line: here.line, reason: `nothing to insert for "${directive[2]}"` });
          used.add(directive[2]);
          insert.split('\n').forEach((inserted, at) => {
            lines.push(inserted);
            origins.push({ file: `<insert "${directive[2]}">`, line: at + 1 });
          });
        } else {
          throw new LuaScriptError({ file: file, line: here.line, reason: `unknown directive @${directive[1]}` });
        }
      });
      stack.pop();
      inlined.add(file);
    };
    expand(command.file, undefined);
    const unused = Object.keys(inserts).filter((key) => !used.has(key));
    if (unused.length > 0) throw new LuaScriptError({ file: command.file, line: 0, reason: `no placeholder for the insert(s) ${unused.map((key) => `"${key}"`).join(', ')}` });
    return new ComposedLua(name, command.file, command.keyCount, lines.join('\n'), origins);
  }

  /** Every command of the folder: name -> its file and key count. */
  commands(): ReadonlyMap<string, { file: string; keyCount: number | undefined }> {
    if (this.commandFiles === undefined) {
      const found = new Map<string, { file: string; keyCount: number | undefined }>();
      for (const file of readdirSync(this.directory).sort()) {
        const match = COMMAND_FILE.exec(file);
        if (match === null) continue;
        if (found.has(match[1])) throw new LuaScriptError({ file: file, line: 0, reason: `a second file for command "${match[1]}" (${found.get(match[1])?.file})` });
        found.set(match[1], { file, keyCount: match[2] === undefined ? undefined : Number(match[2]) });
      }
      this.commandFiles = found;
    }
    return this.commandFiles;
  }

  /** The text of `file` (relative to the folder, without a final newline), or undefined when it cannot be read. */
  private read(file: string): string | undefined {
    if (!this.texts.has(file)) {
      let text: string | undefined;
      try {
        text = readFileSync(join(this.directory, file), 'utf8').replace(/\r\n/g, '\n').replace(/\n$/, '');
      } catch {
        text = undefined;
      }
      this.texts.set(file, text);
    }
    return this.texts.get(file);
  }
}
