import { expect } from 'chai';
import { getManager } from '../../../src';
import type { RedisStorageBackend, StorageDirectory, TriggerManager } from '../../../src';
import { RedisSessionKeys } from '../../../src/redis/storage/RedisSessionKeys';
import { closeRedisContainers, connectionOf, redisTestContainer } from '../../support/redisContainers';
import { uniquePrefix } from '../../support/sharedRedis';
import { waitFor } from '../../support/waitFor';

function directoryOf(manager: TriggerManager): StorageDirectory {
  const directory = manager.storage.directory();
  if (directory === undefined) throw new Error('no directory');
  return directory;
}

describe('redis/storage: RedisDirectory', function () {
  this.timeout(20_000);
  afterEach(() => closeRedisContainers());

  it('leaves a session that expired by TTL out of the sessions listing and drops its entry, keeping the live ones', async () => {
    const prefix = uniquePrefix('dir-ttl');
    const config = { t_a: { after: ['go', 'later'], run: 'DevNullTask' } };
    const short = getManager(await redisTestContainer({ prefix, defaultStorage: 'redis', sessionTtlSeconds: 1 }), 'short-lived');
    const long = getManager(await redisTestContainer({ prefix, defaultStorage: 'redis' }), 'long-lived');
    for (const manager of [short, long]) {
      await manager.updateConfiguration(config);
      // Creates t_a#0: session activity.
      await manager.fire('go');
    }
    const directory = directoryOf(long);
    expect((await directory.sessionsByActivity()).entries.map((entry) => entry.uid).sort()).to.deep.equal(['long-lived', 'short-lived']);

    const connection = connectionOf(long.container);
    const keys = (short.storage as RedisStorageBackend).keys;
    await waitFor('the short-lived session to expire', async () => (await connection.redis.exists(keys.tasks, keys.instances, keys.latestKwargs)) === 0);
    const index = RedisSessionKeys.indexKey(prefix, 'sessions');
    expect(await connection.redis.zscore(index, RedisSessionKeys.tagOf('short-lived'))).to.not.equal(null);

    expect((await directory.sessionsByActivity()).entries.map((entry) => entry.uid)).to.deep.equal(['long-lived']);
    expect(await connection.redis.zscore(index, RedisSessionKeys.tagOf('short-lived'))).to.equal(null);
    expect(await connection.redis.zscore(index, RedisSessionKeys.tagOf('long-lived'))).to.not.equal(null);
  });
});
