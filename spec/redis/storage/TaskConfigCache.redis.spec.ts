import { expect } from 'chai';
import { ThreadingTaskRunner, expectInstance } from '../../../src/testing';
import { getManager } from '../../../src';
import { TaskConfigCache } from '../../../src/redis/storage/TaskConfigCache';
import type { RedisStorageBackend, TaskConfigEntry, TriggerConfiguration, TriggerManager } from '../../../src';
import { closeRedisContainers, commandsSent, redisTestContainer } from '../../support/redisContainers';
import { uniquePrefix } from '../../support/sharedRedis';

const ENTRY: TaskConfigEntry = { after: ['go'], run: 'PassThruTask' };

/** The configuration version stored for the manager's session. */
async function storedVersion(manager: TriggerManager): Promise<string | null> {
  const storage = manager.storage as RedisStorageBackend;
  return storage.connection.redis.get(storage.keys.tasksVersion);
}

describe('storage: TaskConfigCache (configurations known by session and by version)', () => {
  it('shares one frozen configuration between sessions at the same version', () => {
    const cache = new TaskConfigCache();
    const first = cache.remember('s1', 'v1', { t_a: { ...ENTRY } });
    const second = cache.remember('s2', 'v1', { t_a: { ...ENTRY } });
    expect(second).to.equal(first);
    expect(Object.isFrozen(first.entries.t_a.after)).to.equal(true);
    expect(cache.get('s2')).to.equal(first);
  });

  it("gives a session it never saw the configuration another session brought at that version, and nothing at another version", () => {
    const cache = new TaskConfigCache();
    const known = cache.remember('s1', 'v1', { t_a: ENTRY });
    expect(cache.at('s2', 'v2')).to.equal(undefined);
    expect(cache.get('s2')).to.equal(undefined);
    expect(cache.at('s2', 'v1')).to.equal(known);
    expect(cache.get('s2'), 'from then on the session has it').to.equal(known);
    expect(cache.at('s1', 'v2'), 'a session whose version moved on').to.equal(undefined);
  });

  it('does not cache an unversioned configuration', () => {
    const cache = new TaskConfigCache();
    const entries = cache.remember('s1', '', { t_a: ENTRY }).entries;
    expect(entries.t_a.run).to.equal('PassThruTask');
    expect(cache.get('s1')).to.equal(undefined);
    expect(cache.at('s1', '')).to.equal(undefined);
  });

  it('starts over when full, by session and by version', () => {
    const cache = new TaskConfigCache(2, 2);
    cache.remember('s1', 'v1', {});
    cache.remember('s2', 'v2', {});
    cache.remember('s3', 'v3', {});
    expect([cache.get('s1'), cache.get('s2')]).to.deep.equal([undefined, undefined]);
    expect(cache.get('s3')?.version).to.equal('v3');
    expect(cache.at('s4', 'v1'), 'v1 was dropped with the others').to.equal(undefined);
  });
});

describe('storage: the Redis configuration version is a digest of the configuration', () => {
  afterEach(closeRedisContainers);

  const CONFIG: TriggerConfiguration = {
    t_first: { after: ['go'], run: 'PassThruTask' },
    't_odd "name" ☃ 12:34': { after: ['t_first'], unless: ['stop'], run: 'PassThruTask', withParams: { p: { n: 1 } } },
  };

  it('is the same for every session with the same task entries, however they were written', async () => {
    const container = await redisTestContainer();
    const once = getManager(container, 'digest once');
    await once.updateConfiguration(CONFIG);
    const inTwoSteps = getManager(container, 'digest in two steps');
    const [[firstName, firstEntry], [secondName, secondEntry]] = Object.entries(CONFIG);
    await inTwoSteps.updateConfiguration({ [secondName]: secondEntry });
    await inTwoSteps.updateConfiguration({ [firstName]: firstEntry });
    const rewritten = getManager(container, 'digest rewritten');
    await rewritten.updateConfiguration(CONFIG);
    await rewritten.updateConfiguration(CONFIG);

    const version = await storedVersion(once);
    expect(version).to.match(/^[0-9a-f]{40}$/);
    expect(await storedVersion(inTwoSteps)).to.equal(version);
    expect(await storedVersion(rewritten)).to.equal(version);
  });

  it('differs for a different configuration, and comes back with the configuration', async () => {
    const container = await redisTestContainer();
    const manager = getManager(container, 'digest changes');
    await manager.updateConfiguration(CONFIG);
    const original = await storedVersion(manager);
    await manager.updateConfiguration({ t_first: { after: ['go'], run: 'DevNullTask' } });
    const changed = await storedVersion(manager);
    expect(changed).to.not.equal(original);
    await manager.updateConfiguration({ t_first: CONFIG.t_first });
    expect(await storedVersion(manager)).to.equal(original);
  });

  it('gives a session at the version of a configuration the process already knows that parsed configuration, not a copy', async () => {
    const prefix = uniquePrefix('digest-shared');
    const other = await redisTestContainer({ prefix });
    await getManager(other, 'configured elsewhere').updateConfiguration(CONFIG);
    const container = await redisTestContainer({ prefix });
    const known = getManager(container, 'configured here');
    await known.updateConfiguration(CONFIG);
    const stranger = getManager(container, 'configured elsewhere');

    const sent = await commandsSent(container, () => stranger.fire('go', { n: 1 }));
    // The first operation here still reads the session's configuration (version and entries, unlocked)...
    // (then the fire's script: EVALSHA, and EVAL if this server had not run it yet)
    expect(sent.map((command) => command.name).filter((name) => !name.startsWith('eval'))).to.deep.equal(['multi', 'get', 'hgetall', 'exec']);
    // ...and finds it is one it knows: nothing derived from it (task configurations, fire arguments) is built twice.
    const storage = stranger.storage as RedisStorageBackend;
    expect(storage.connection.taskCache.get(storage.keys.base)).to.equal(
      (known.storage as RedisStorageBackend).connection.taskCache.get((known.storage as RedisStorageBackend).keys.base),
    );
    await ThreadingTaskRunner.joinAll();
    await expectInstance(stranger, 't_first#0').finished({ go: { n: 1 } });
  });
});
