import { expect } from 'chai';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { LuaScriptLoader } from '../../../src/redis/lua/LuaScriptLoader';
import { RedisSessionKeys } from '../../../src/redis/storage/RedisSessionKeys';
import { REPO_ROOT } from '../../support/repoRoot';
import { sharedRedis } from '../../support/sharedRedis';

/** `sessionTag` of the shared includes, run on a real server: the tag of each uid's JSON text, or false. */
async function luaTags(uidJsons: Array<string | Buffer>): Promise<Array<string | false>> {
  const folder = mkdtempSync(join(tmpdir(), 'triggers-session-tag-'));
  symlinkSync(join(REPO_ROOT, 'dist', 'src', 'redis', 'lua', 'includes'), join(folder, 'includes'));
  writeFileSync(join(folder, 'tagProbe.lua'), '--- @include "sessionTag"\nlocal out = {}\nfor i, text in ipairs(ARGV) do out[i] = sessionTag(text) or false end\nreturn out\n');
  const redis = new Redis((await sharedRedis()).url);
  try {
    const replies = (await redis.eval(new LuaScriptLoader(folder).compose('tagProbe').text, 0, ...uidJsons)) as Array<string | null>;
    return replies.map((reply) => reply ?? false);
  } finally {
    redis.disconnect();
  }
}

/** `"`, the bytes, `"`. */
function quotedBytes(...bytes: number[]): Buffer {
  return Buffer.from([0x22, ...bytes, 0x22]);
}

describe('sessionTag.lua: a session hash tag computed in a script', () => {
  it('equals RedisSessionKeys.tagOf for plain, accented, symbol, astral and odd uids (every base64 length)', async () => {
    const uids = ['a', 'ab', 'abc', 'user-42', 's568-19 {odd}: ✓', 'é', 'naïve café', '☃', '🎉 party', '𝄞x', '日本語のセッション', ' lead and trail ', '{}:#', "quote'apostrophe"];
    expect(await luaTags(uids.map((uid) => JSON.stringify(uid)))).to.deep.equal(uids.map((uid) => RedisSessionKeys.tagOf(uid)));
  });

  it('gives nothing for a text with an escape or bytes JavaScript never writes, so the caller leaves the job to the worker', async () => {
    const texts = [
      JSON.stringify('a"b'), JSON.stringify('back\\slash'), JSON.stringify('line\nbreak'), JSON.stringify('\ud800'),
      // An overlong '/', an encoded surrogate, a code point past U+10FFFF, a cut sequence: raw bytes, not UTF-8 of a string.
      quotedBytes(0xc0, 0xaf), quotedBytes(0xed, 0xa0, 0x80), quotedBytes(0xf4, 0x90, 0x80, 0x80), quotedBytes(0xe2, 0x98),
      'unquoted', '"',
    ];
    expect(await luaTags(texts)).to.deep.equal(texts.map(() => false));
  });
});
