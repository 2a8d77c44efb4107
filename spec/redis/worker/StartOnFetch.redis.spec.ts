import { expect } from 'chai';
import { Redis } from 'ioredis';
import { StartOnFetch } from '../../../src/redis/worker/StartOnFetch';
import { RedisEndpoint } from '../../../src/redis/connection/RedisEndpoint';
import { sharedRedis, uniquePrefix } from '../../support/sharedRedis';

/** BullMQ's 14 keys for a moveToFinished call (names only matter to the script). */
const KEYS = Array.from({ length: 14 }, (_, i) => `k${i}`);

describe('worker: StartOnFetch (wrapping BullMQ’s fetching scripts on the worker connection)', () => {
  let connection: Redis;
  let startOnFetch: StartOnFetch;

  beforeEach(async () => {
    connection = new Redis((await sharedRedis()).url, { maxRetriesPerRequest: null });
    startOnFetch = new StartOnFetch({ endpoint: RedisEndpoint.from('redis://127.0.0.1:1'), prefix: uniquePrefix('sof') });
    startOnFetch.install(connection);
  });

  afterEach(() => connection.disconnect());

  type Command = (...args: unknown[]) => Promise<unknown>;
  const command =
    (name: string): Command =>
    (...args) =>
      (connection as unknown as Record<string, Command>)[name].apply(connection, args);

  it('runs BullMQ’s script with exactly BullMQ’s arguments and returns its result unchanged when no job was fetched', async () => {
    connection.defineCommand('moveToFinished:spec', { numberOfKeys: 14, lua: 'return { ARGV[1], #ARGV, KEYS[14] }' });
    expect(await command('moveToFinished:spec')([...KEYS, 'first', 'second'])).to.deep.equal(['first', 2, 'k13']);
    expect(startOnFetch.take('any')).to.equal(undefined);
  });

  it('wraps moveToActive (an idle worker’s fetch) the same way', async () => {
    connection.defineCommand('moveToActive:spec', { numberOfKeys: 11, lua: 'return { ARGV[1], #ARGV, KEYS[11] }' });
    expect(await command('moveToActive:spec')([...KEYS.slice(0, 11), 'first', 'second'])).to.deep.equal(['first', 2, 'k10']);
  });

  it('uses BullMQ’s own script when the wrapped text does not load', async () => {
    // Valid as a script, not inside a function: "..." needs a vararg function.
    connection.defineCommand('moveToFinished:odd', { numberOfKeys: 14, lua: 'local all = { ... }\nreturn #all + 7' });
    expect(await command('moveToFinished:odd')([...KEYS, 'x'])).to.equal(7);
  });

  it('leaves BullMQ’s other scripts as BullMQ defined them (no arguments appended)', async () => {
    connection.defineCommand('addStandardJob:spec', { numberOfKeys: 9, lua: 'return #ARGV' });
    connection.defineCommand('moveToFinished:keys13', { numberOfKeys: 13, lua: 'return #ARGV' });
    connection.defineCommand('toString:spec', { numberOfKeys: 1, lua: 'return #ARGV' });
    expect(await command('addStandardJob:spec')([...KEYS.slice(0, 9), 'a'])).to.equal(1);
    expect(await command('moveToFinished:keys13')([...KEYS.slice(0, 13), 'a'])).to.equal(1);
    expect(await command('toString:spec')([KEYS[0], 'a'])).to.equal(1);
  });
});
