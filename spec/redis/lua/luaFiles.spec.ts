import { expect } from 'chai';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { LuaScriptLoader } from '../../../src/redis/lua/LuaScriptLoader';
import { REPO_ROOT } from '../../support/repoRoot';

const SOURCE = join(REPO_ROOT, 'src', 'redis', 'lua');
const INCLUDE = /^--- @include "([^"]+)"\s*$/;

/** The opening `--[[ ... ]]` block of a Lua file, as lines; undefined when the file does not open with one. */
function header(text: string): string[] | undefined {
  if (!text.startsWith('--[[\n')) return undefined;
  const end = text.indexOf('\n]]\n');
  return end < 0 ? undefined : text.slice(5, end).split('\n');
}

/** The top-level names a Lua file defines (`local function f`, `local a, b =`). */
function definedNames(text: string): string[] {
  const names: string[] = [];
  for (const line of text.split('\n')) {
    const fn = /^local function (\w+)/.exec(line);
    if (fn !== null) names.push(fn[1]);
    const locals = /^local ([\w, ]+?)\s*=/.exec(line);
    if (locals !== null) names.push(...locals[1].split(',').map((name) => name.trim()));
  }
  return names;
}

/** The code of a Lua file without its header, comments and directives. */
function code(text: string): string {
  return text
    .replace(/^--\[\[[\s\S]*?\n\]\]\n/, '')
    .split('\n')
    .filter((line) => !line.startsWith('--'))
    .join('\n');
}

const commandFiles = readdirSync(SOURCE).filter((file) => file.endsWith('.lua'));
const includeFiles = readdirSync(join(SOURCE, 'includes')).filter((file) => file.endsWith('.lua'));
const read = (file: string): string => readFileSync(join(SOURCE, file), 'utf8');

describe('redis/lua: the Lua files (one command per file, shared functions in includes/)', () => {
  it('has the commands every script of the wing loads', () => {
    expect([...LuaScriptLoader.shared.commands().keys()].sort()).to.deep.equal(
      commandFiles.map((file) => file.replace(/(-\d+)?\.lua$/, '')).sort(),
    );
    expect(commandFiles.length).to.be.greaterThan(10);
  });

  for (const file of commandFiles) {
    describe(file, () => {
      const text = read(file);
      const lines = header(text) ?? [];
      const keyCount = /-(\d+)\.lua$/.exec(file)?.[1];

      it('opens with a header listing KEYS, ARGV and the reply', () => {
        expect(header(text), 'a --[[ ... ]] header on the first line').to.not.equal(undefined);
        expect(lines.some((line) => /^\s*(KEYS\[\d+\]|KEYS vary:)/.test(line)), 'KEYS').to.equal(true);
        expect(lines.some((line) => /^\s*ARGV\[/.test(line)), 'ARGV').to.equal(true);
        expect(lines.some((line) => /^\s*Returns\b/.test(line)), 'the reply (Returns ...)').to.equal(true);
      });

      it(keyCount === undefined ? 'explains in its header why its name has no key count' : `lists exactly KEYS[1..${keyCount}], as its name says`, () => {
        const keys = lines.flatMap((line) => {
          const match = /^\s*KEYS\[(\d+)\]/.exec(line);
          return match === null ? [] : [Number(match[1])];
        });
        expect(keys, 'KEYS listed in order, from 1').to.deep.equal(keys.map((_, index) => index + 1));
        const varies = lines.some((line) => /^\s*KEYS vary: \S/.test(line));
        if (keyCount === undefined) {
          expect(varies, 'a "KEYS vary: <why>" line').to.equal(true);
        } else {
          expect(varies).to.equal(false);
          expect(keys.length).to.equal(Number(keyCount));
        }
      });

      it('uses at least one name each include it names defines', () => {
        for (const include of text.split('\n').flatMap((line) => INCLUDE.exec(line)?.[1] ?? [])) {
          const names = definedNames(read(join('includes', `${include}.lua`)));
          expect(
            names.some((name) => new RegExp(`\\b${name}\\b`).test(code(text))),
            `${file} includes "${include}" but uses none of ${names.join(', ')}`,
          ).to.equal(true);
        }
      });
    });
  }

  for (const file of includeFiles) {
    describe(`includes/${file}`, () => {
      const text = read(join('includes', file));
      const name = file.replace(/\.lua$/, '');

      it('opens with a header and defines the name it is called by (functions: one per file)', () => {
        expect(header(text), 'a --[[ ... ]] header on the first line').to.not.equal(undefined);
        const functions = definedNames(text).filter((defined) => new RegExp(`^local function ${defined}\\b`, 'm').test(text));
        if (functions.length > 0) expect(functions).to.include(name);
        expect(functions.filter((defined) => defined !== name && !/^by[A-Z]/.test(defined)), 'other functions').to.deep.equal([]);
      });

      it('uses at least one name each include it names defines', () => {
        for (const include of text.split('\n').flatMap((line) => INCLUDE.exec(line)?.[1] ?? [])) {
          const names = definedNames(read(join('includes', `${include}.lua`)));
          expect(names.some((defined) => new RegExp(`\\b${defined}\\b`).test(code(text))), `uses none of ${names.join(', ')}`).to.equal(true);
        }
      });
    });
  }

  it('composes every command: each include resolves, with no cycle', () => {
    for (const name of LuaScriptLoader.shared.commands().keys()) {
      const placeholders = [...read(LuaScriptLoader.shared.commands().get(name)?.file ?? '').matchAll(/^--- @insert "([^"]+)"/gm)].map((match) => match[1]);
      const composed = new LuaScriptLoader(SOURCE).compose(name, Object.fromEntries(placeholders.map((key) => [key, `-- ${key}`])));
      expect(composed.text).to.not.match(/^--- @/m);
    }
  });

  it('is included by some command, every include', () => {
    const used = new Set<string>();
    for (const name of LuaScriptLoader.shared.commands().keys()) {
      const file = LuaScriptLoader.shared.commands().get(name)?.file ?? '';
      const placeholders = [...read(file).matchAll(/^--- @insert "([^"]+)"/gm)].map((match) => match[1]);
      const composed = new LuaScriptLoader(SOURCE).compose(name, Object.fromEntries(placeholders.map((key) => [key, ''])));
      for (let line = 1; composed.origin(line) !== undefined; line += 1) used.add(composed.origin(line)?.file ?? '');
    }
    expect(includeFiles.filter((file) => !used.has(`includes/${file}`))).to.deep.equal([]);
  });

  it('ships with the build: every file is next to the compiled loader', () => {
    for (const file of [...commandFiles, ...includeFiles.map((include) => join('includes', include))]) {
      expect(existsSync(join(LuaScriptLoader.shared.directory, file)), file).to.equal(true);
    }
  });
});
