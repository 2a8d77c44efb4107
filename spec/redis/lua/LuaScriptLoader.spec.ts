import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LuaScriptError } from '../../../src';
import { LuaScriptLoader } from '../../../src/redis/lua/LuaScriptLoader';

const HEADER = '--[[\n  A fake.\n\n  KEYS[1] k\n\n  ARGV[1] a\n\n  Returns 1\n]]\n';

describe('redis/lua: LuaScriptLoader (composes a command from its file and includes)', () => {
  let folder: string;

  /** A loader over a fresh folder holding `files` (path relative to it -> text). */
  function loaderOf(files: Record<string, string>): LuaScriptLoader {
    folder = mkdtempSync(join(tmpdir(), 'triggers-lua-'));
    mkdirSync(join(folder, 'includes'));
    for (const [file, text] of Object.entries(files)) writeFileSync(join(folder, file), text);
    return new LuaScriptLoader(folder);
  }

  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  function failure(compose: () => unknown): LuaScriptError {
    try {
      compose();
    } catch (error) {
      expect(error).to.be.instanceOf(LuaScriptError);
      return error as LuaScriptError;
    }
    throw new Error('expected a LuaScriptError');
  }

  it('finds commands by name, with the key count of their file name', () => {
    const loader = loaderOf({ 'one-1.lua': `${HEADER}return 1\n`, 'varies.lua': `${HEADER}return 2\n`, 'notes.txt': 'x' });
    expect(loader.compose('one').keyCount).to.equal(1);
    expect(loader.compose('one').file).to.equal('one-1.lua');
    expect(loader.compose('varies').keyCount).to.equal(undefined);
    expect(failure(() => loader.compose('none')).message).to.match(/^none\.lua:0: no command "none"/);
  });

  it('inlines includes of includes once each, where first met, and maps every line back to its file', () => {
    const loader = loaderOf({
      'main-1.lua': `${HEADER}--- @include "b"\n--- @include "a"\nreturn b() + a()\n`,
      'includes/a.lua': '--- @include "c"\nlocal function a() return c() end',
      'includes/b.lua': '--- @include "c"\n--- @include "a"\nlocal function b() return 2 end\n',
      'includes/c.lua': 'local function c() return 3 end\n',
    });
    const composed = loader.compose('main');
    const body = composed.text.split('\n').slice(HEADER.split('\n').length - 1);
    expect(body).to.deep.equal(['local function c() return 3 end', 'local function a() return c() end', 'local function b() return 2 end', 'return b() + a()']);
    const first = HEADER.split('\n').length;
    expect(composed.origin(first)).to.deep.equal({ file: 'includes/c.lua', line: 1 });
    expect(composed.origin(first + 1)).to.deep.equal({ file: 'includes/a.lua', line: 2 });
    expect(composed.origin(first + 2)).to.deep.equal({ file: 'includes/b.lua', line: 3 });
    expect(composed.origin(first + 3)).to.deep.equal({ file: 'main-1.lua', line: 12 });
    expect(composed.origin(0)).to.equal(undefined);
    expect(composed.explain(`ERR user_script:${first + 1}: attempt to call a nil value`)).to.equal(
      `ERR user_script:${first + 1}: attempt to call a nil value [includes/a.lua:2]`,
    );
    expect(composed.explain('NOSCRIPT No matching script')).to.equal('NOSCRIPT No matching script');
  });

  it('reports a missing include with the file and line of its directive', () => {
    const loader = loaderOf({ 'main-1.lua': `${HEADER}--- @include "a"\nreturn 1\n`, 'includes/a.lua': 'local x = 1\n--- @include "gone"\n' });
    const error = failure(() => loader.compose('main'));
    expect([error.file, error.line]).to.deep.equal(['includes/a.lua', 2]);
    expect(error.reason).to.include('includes/gone.lua');
    expect(error.message).to.equal(`includes/a.lua:2: ${error.reason}`);
  });

  it('reports a cycle with the file and line of the directive closing it', () => {
    const loader = loaderOf({
      'main-1.lua': `${HEADER}--- @include "a"\nreturn 1\n`,
      'includes/a.lua': '--- @include "b"\n',
      'includes/b.lua': 'local y = 2\n--- @include "a"\n',
    });
    const error = failure(() => loader.compose('main'));
    expect(error.message).to.equal('includes/b.lua:2: include cycle: includes/a.lua -> includes/b.lua -> includes/a.lua');
  });

  it('fills placeholders with the text passed, taken as is, and refuses a missing, unused or unknown one', () => {
    const loader = loaderOf({ 'main-1.lua': `${HEADER}local function f()\n--- @insert "body"\nend\nreturn f()\n`, 'bad-1.lua': `${HEADER}--- @inline "x"\n` });
    const composed = loader.compose('main', { body: 'local n = 1\n--- @include "not-a-directive-here"\nreturn n' });
    expect(composed.text).to.include('local function f()\nlocal n = 1\n--- @include "not-a-directive-here"\nreturn n\nend');
    expect(composed.origin(HEADER.split('\n').length + 2)).to.deep.equal({ file: '<insert "body">', line: 2 });
    expect(failure(() => loader.compose('main')).message).to.equal('main-1.lua:11: nothing to insert for "body"');
    expect(failure(() => loader.compose('main', { body: '', extra: '' })).message).to.match(/^main-1\.lua:0: no placeholder for the insert\(s\) "extra"/);
    expect(failure(() => loader.compose('bad')).message).to.equal('bad-1.lua:10: unknown directive @inline');
  });
});
