import { expect } from 'chai';
import { TaskStatus, getManager } from '../../../src';
import { ThreadingTaskRunner } from '../../../src/testing';
import type { RedisStorageBackend, StorageDirectory, TriggerManager } from '../../../src';
import { RedisSessionKeys } from '../../../src/redis/storage/RedisSessionKeys';
import { closeRedisContainers, connectionOf, redisTestContainer } from '../../support/redisContainers';
import { uniquePrefix } from '../../support/sharedRedis';
import { waitFor } from '../../support/waitFor';
import { bullmqContainer, closeBullmq, startWorker } from '../../support/bullmqFixtures';

function directoryOf(manager: TriggerManager): StorageDirectory {
  const directory = manager.storage.directory();
  if (directory === undefined) throw new Error('no directory');
  return directory;
}

/** Two sessions under `prefix`, each with an unstarted and a failed instance: one written with a 1 s TTL, one without. */
async function shortAndLongLived(prefix: string): Promise<{ short: TriggerManager; long: TriggerManager }> {
  const config = { t_a: { after: ['go', 'later'], run: 'DevNullTask' }, t_fail: { after: ['go'], run: 'FailingTask' } };
  const short = getManager(await redisTestContainer({ prefix, defaultStorage: 'redis', sessionTtlSeconds: 1 }), 'short-lived');
  const long = getManager(await redisTestContainer({ prefix, defaultStorage: 'redis' }), 'long-lived');
  for (const manager of [short, long]) {
    await manager.updateConfiguration(config);
    await manager.fire('go');
  }
  await ThreadingTaskRunner.joinAll();
  return { short, long };
}

/** Waits until every key of `manager`'s session expired. */
async function expired(manager: TriggerManager): Promise<void> {
  const connection = connectionOf(manager.container);
  const keys = (manager.storage as RedisStorageBackend).keys;
  await waitFor('the short-lived session to expire', async () => (await connection.redis.exists(keys.tasks, keys.instances, keys.latestKwargs)) === 0);
}

describe('redis/storage: RedisDirectory', function () {
  this.timeout(20_000);
  afterEach(async () => {
    await closeBullmq();
    await closeRedisContainers();
  });

  it('leaves a session that expired by TTL out of the sessions listing and drops its entry, keeping the live ones', async () => {
    const prefix = uniquePrefix('dir-ttl');
    const { short, long } = await shortAndLongLived(prefix);
    const directory = directoryOf(long);
    expect((await directory.sessionsByActivity()).entries.map((entry) => entry.uid).sort()).to.deep.equal(['long-lived', 'short-lived']);
    await expired(short);
    const connection = connectionOf(long.container);
    const index = RedisSessionKeys.indexKey(prefix, 'sessions');
    expect(await connection.redis.zscore(index, RedisSessionKeys.tagOf('short-lived'))).to.not.equal(null);

    expect((await directory.sessionsByActivity()).entries.map((entry) => entry.uid)).to.deep.equal(['long-lived']);
    expect(await connection.redis.zscore(index, RedisSessionKeys.tagOf('short-lived'))).to.equal(null);
    expect(await connection.redis.zscore(index, RedisSessionKeys.tagOf('long-lived'))).to.not.equal(null);
  });

  it('leaves a failed instance whose session expired by TTL out of the failed listing and drops its entry', async () => {
    const prefix = uniquePrefix('dir-failed');
    const { short, long } = await shortAndLongLived(prefix);
    const directory = directoryOf(long);
    const listed = async (): Promise<string[]> => (await directory.instancesByStatus(TaskStatus.Failed)).entries.map((entry) => `${entry.uid} ${entry.instance}`).sort();
    expect(await listed()).to.deep.equal(['long-lived t_fail#0', 'short-lived t_fail#0']);
    await expired(short);
    const redis = connectionOf(long.container).redis;
    const index = RedisSessionKeys.indexKey(prefix, 'failed');
    expect(await redis.zcard(index)).to.equal(2);
    expect(await listed()).to.deep.equal(['long-lived t_fail#0']);
    expect(await redis.zrange(index, '0', '-1')).to.deep.equal([`${RedisSessionKeys.tagOf('long-lived')}:t_fail#0`]);
  });

  it('drops the sessions-index and failed-index entries of sessions that expired by TTL in a worker\'s reconciliation pass', async () => {
    const prefix = uniquePrefix('dir-sweep');
    const { short, long } = await shortAndLongLived(prefix);
    await expired(short);
    const { container } = await bullmqContainer({ prefix, defaultStorage: 'redis' });
    const worker = await startWorker(container, { reconcileIntervalMs: 0, reconcileGraceMs: 0 });
    const report = await worker.reconcile();
    expect(report.droppedSessions).to.deep.equal(['short-lived']);
    expect(report.droppedFailed).to.deep.equal([{ uid: 'short-lived', instance: 't_fail#0' }]);
    expect(await connectionOf(long.container).redis.zcard(RedisSessionKeys.indexKey(prefix, 'failed'))).to.equal(1);
    const redis = connectionOf(long.container).redis;
    const index = RedisSessionKeys.indexKey(prefix, 'sessions');
    expect(await redis.zscore(index, RedisSessionKeys.tagOf('short-lived'))).to.equal(null);
    expect(await redis.zscore(index, RedisSessionKeys.tagOf('long-lived'))).to.not.equal(null);
    // The live session stays however often the sweep comes round.
    expect(await worker.reconcile()).to.deep.include({ droppedSessions: [], droppedFailed: [] });
    expect((await directoryOf(long).sessionsByActivity()).entries.map((entry) => entry.uid)).to.deep.equal(['long-lived']);
  });
});
