import { expect } from 'chai';
import calculateSlot from 'cluster-key-slot';
import {
  InvalidKwargsError,
  InvalidStorageSettingsError,
  LockLostError,
  LockTimeoutError,
  RedisSessionKeys,
  RedisStorageBackend,
  StorageBackend,
  TaskConfig,
  TaskInstance,
  TaskStatus,
  UnknownInstanceError,
  createTriggersContainer,
  deepMerge,
  closeTriggersContainer,
  getManager,
} from '../../../src';
import { RedisScripts } from '../../../src/redis/storage/RedisScripts';
import type { FireReadSet, InstanceMetadata, SessionChanges, TriggerConfiguration, TriggerKwargs } from '../../../src';
import { ThreadingTaskRunner, expectInstance, expectUnresolvedInstances, expectUnresolvedTasks } from '../../../src/testing';
import '../../support/coreRunners';
import { fireAll } from '../../support/fixtures';
import { closeRedisContainers, commandsSent, connectionOf, keysUnder, redisTestContainer } from '../../support/redisContainers';
import { waitFor } from '../../support/waitFor';
import { sharedRedis, uniquePrefix } from '../../support/sharedRedis';

const WORKFLOW: TriggerConfiguration = {
  t_join: { after: ['a', 'b'], run: 'PassThruTask', withParams: { a: { p: 1 } } },
  t_next: { after: ['t_join'], run: 'PassThruTask' },
  t_every: { after: ['t_join'], andEvery: 'page', run: 'DevNullTask' },
  t_never: { after: ['a'], unless: ['stop'], run: 'PassThruTask' },
  t_fail: { after: ['boom'], run: 'FailingTask' },
};

/** An `andEvery` task that never runs: each firing of `e` adds one unstarted instance. */
const COLLECTOR: TriggerConfiguration = { t_collect: { after: ['never'], andEvery: 'e', run: 'DevNullTask' } };

describe('storage: RedisStorageBackend', () => {
  afterEach(closeRedisContainers);

  describe('as the storage of a session', () => {
    it('runs a whole workflow (join, cascade, andEvery, unless, failure) with the in-process runner', async () => {
      const container = await redisTestContainer();
      const manager = getManager(container, 'workflow');
      expect(manager.storage).to.be.instanceOf(RedisStorageBackend);
      await manager.updateConfiguration(WORKFLOW);
      await fireAll(manager, ['stop', ['b', { y: 2 }], 'page', ['a', { x: 1 }], 'page', 'boom']);

      await expectInstance(manager, 't_join#0').finished({ a: { p: 1, x: 1 }, b: { y: 2 } });
      await expectInstance(manager, 't_next#0').finished({ t_join: { a: { p: 1, x: 1 }, b: { y: 2 } } });
      await expectInstance(manager, 't_every#0').finished();
      await expectInstance(manager, 't_every#1').finished();
      await expectInstance(manager, 't_every#2').missing();
      await expectInstance(manager, 't_never#0').abandoned();
      await expectInstance(manager, 't_fail#0').failed('DeliberateFailure');
      await expectUnresolvedTasks(manager, ['t_fail']);
      await expectUnresolvedInstances(manager, ['t_fail#0']);
      expect(await manager.storage.getLatestKwargs()).to.deep.equal({ stop: {}, b: { y: 2 }, page: {}, a: { x: 1 }, boom: {}, t_join: { a: { p: 1, x: 1 }, b: { y: 2 } }, t_next: { t_join: { a: { p: 1, x: 1 }, b: { y: 2 } } }, t_every: {} });

      await manager.replayFailedInstance('t_fail#0');
      await ThreadingTaskRunner.joinAll();
      await expectInstance(manager, 't_fail#0').replayed();
      await expectInstance(manager, 't_fail#1').failed('DeliberateFailure');
      const [failure] = await manager.storage.getInstancesWithUnresolvedLogs();
      expect(failure?.name).to.equal('t_fail#1');
    });

    it('is what `import "triggers"` registers as "redis", connecting only when first used', async () => {
      const redis = await sharedRedis();
      const container = createTriggersContainer({ redis: redis.url, prefix: uniquePrefix('lazy') });
      try {
        const manager = getManager(container, 'lazy');
        expect(manager.storage).to.be.instanceOf(RedisStorageBackend);
        expect(connectionOf(container).isOpen).to.equal(false);
        await manager.updateConfiguration(COLLECTOR);
        expect(connectionOf(container).isOpen).to.equal(true);
      } finally {
        await closeTriggersContainer(container);
      }
      expect(connectionOf(container).isOpen).to.equal(false);
    });

    it('refuses a key prefix containing a brace when the container is created, naming it', async () => {
      const redis = await sharedRedis();
      expect(() => createTriggersContainer({ redis: redis.url, prefix: 'bad{prefix' })).to.throw(InvalidStorageSettingsError, 'bad{prefix');
    });

    for (const [label, options, culprit] of [
      ['an empty redis URL (ioredis would fall back to localhost:6379)', { redis: '' }, 'got ""'],
      ['a redis value that is not a URL', { redis: 'localhost:6379' }, 'got "localhost:6379"'],
      ['a lockTtlMs below 10', { redis: 'redis://127.0.0.1:1', lockTtlMs: 5 }, 'lockTtlMs'],
      ['a negative lockTimeoutMs', { redis: 'redis://127.0.0.1:1', lockTimeoutMs: -1 }, 'lockTimeoutMs'],
      ['a fractional sessionTtlSeconds', { redis: 'redis://127.0.0.1:1', sessionTtlSeconds: 1.5 }, 'sessionTtlSeconds'],
      ['an empty prefix', { redis: 'redis://127.0.0.1:1', prefix: '' }, 'prefix'],
    ] as const) {
      it(`refuses ${label} when the container is created, naming it, without connecting`, () => {
        expect(() => createTriggersContainer(options)).to.throw(InvalidStorageSettingsError, culprit);
      });
    }
  });

  describe('shared between processes', () => {
    it('shows each container (process) the state the other one wrote', async () => {
      const one = await redisTestContainer();
      const prefix = connectionOf(one).settings.prefix;
      const two = await redisTestContainer({ prefix });
      await getManager(one, 'shared').updateConfiguration({ t_join: { after: ['a', 'b'], run: 'PassThruTask' } });
      await getManager(one, 'shared').fire('a', { from: 'one' });
      await getManager(two, 'shared').fire('b', { from: 'two' });
      await ThreadingTaskRunner.joinAll();
      await expectInstance(getManager(one, 'shared'), 't_join#0').finished({ a: { from: 'one' }, b: { from: 'two' } });
      expect(connectionOf(one)).to.not.equal(connectionOf(two));
    });

    it('loses no fire when two containers fire concurrently into one session', async () => {
      const one = await redisTestContainer();
      const two = await redisTestContainer({ prefix: connectionOf(one).settings.prefix });
      await getManager(one, 'race').updateConfiguration(COLLECTOR);
      const firers = [one, two].flatMap((container, c) =>
        Array.from({ length: 5 }, async (_, f) => {
          const manager = getManager(container, 'race');
          for (let i = 0; i < 10; i += 1) await manager.fire('e', { c, f, i });
        }),
      );
      await Promise.all(firers);
      const instances = await getManager(two, 'race').storage.getInstances();
      expect(instances.map((i) => i.name)).to.deep.equal(Array.from({ length: 100 }, (_, n) => `t_collect#${n}`));
      const seen = new Set(instances.map((i) => JSON.stringify(i.kwargs.e)));
      expect(seen.size).to.equal(100);
    });

    it('applies every one of many concurrent fires from one process', async () => {
      const container = await redisTestContainer();
      const manager = getManager(container, 'hot');
      await manager.updateConfiguration(COLLECTOR);
      await Promise.all(Array.from({ length: 200 }, (_, i) => manager.fire('e', { i })));
      expect(await manager.storage.readInstanceCounts(['t_collect'])).to.deep.equal({ t_collect: 200 });
      expect(await manager.storage.readUnstartedInstances(['t_collect'])).to.have.length(200);
    });
  });

  describe('session lock', () => {
    it('is released only by its owner', async () => {
      const container = await redisTestContainer();
      const connection = connectionOf(container);
      const keys = connection.keysFor('owned');
      const lock = await connection.locks.acquire(keys, connection.lockOptions);
      await lock.ensure();
      expect(await RedisScripts.lockRelease.run(connection.redis, [keys.lock], ['not-the-owner'])).to.equal(0);
      expect(await connection.redis.get(keys.lock)).to.equal(lock.held.token);
      expect(await RedisScripts.lockRelease.run(connection.redis, [keys.lock], [lock.held.token])).to.equal(1);
      expect(await connection.redis.exists(keys.lock)).to.equal(0);
    });

    it('expires when its holder dies, and the next operation proceeds', async () => {
      const dead = await redisTestContainer();
      const alive = await redisTestContainer({ prefix: connectionOf(dead).settings.prefix });
      await getManager(alive, 'orphan').updateConfiguration(COLLECTOR);
      const connection = connectionOf(dead);
      // Taken without renewal and never released: a process that died while holding it.
      const orphaned = await connection.locks.acquire(connection.keysFor('orphan'), { ttlMs: 150, renewMs: 0, timeoutMs: 1000 });
      await orphaned.ensure();
      expect(await connection.redis.get(connection.keysFor('orphan').lock)).to.equal(orphaned.held.token);
      await getManager(alive, 'orphan').fire('e', { after: 'expiry' });
      await expectInstance(getManager(alive, 'orphan'), 't_collect#0').unstarted();
    });

    it('times out with LockTimeoutError naming the session while another process holds it', async () => {
      const holder = await redisTestContainer();
      const waiter = await redisTestContainer({ prefix: connectionOf(holder).settings.prefix, lockTimeoutMs: 50 });
      const connection = connectionOf(holder);
      const lock = await connection.locks.acquire(connection.keysFor('busy session'), connection.lockOptions);
      await lock.ensure();
      const error = await getManager(waiter, 'busy session').fire('x').then(() => undefined, (e: unknown) => e);
      await lock.release();
      expect(error).to.be.instanceOf(LockTimeoutError);
      expect((error as Error).message).to.contain('"busy session"');
    });

    it('makes an operation that found it taken wait, then read the state the holder wrote', async () => {
      const holder = await redisTestContainer();
      const waiter = await redisTestContainer({ prefix: connectionOf(holder).settings.prefix });
      const storage = getManager(holder, 'queued').storage;
      const nextKey = connectionOf(holder).keysFor('queued').next;
      let fired: Promise<void> | undefined;
      await storage.withLock(async (tx) => {
        await tx.tasks();
        fired = getManager(waiter, 'queued').fire('e', { waited: true });
        // The waiter's refused attempt marks it as next in line.
        await waitFor('the waiter to queue for the lock', async () => (await connectionOf(holder).redis.exists(nextKey)) === 1);
        tx.putTask(TaskConfig.fromEntry('t_collect', COLLECTOR.t_collect));
      });
      await fired;
      await expectInstance(getManager(waiter, 'queued'), 't_collect#0').unstarted();
    });

    it('is renewed while a long operation holds it, so nobody else gets in', async () => {
      const slow = await redisTestContainer({ lockTtlMs: 100 });
      const other = await redisTestContainer({ prefix: connectionOf(slow).settings.prefix, lockTimeoutMs: 50 });
      const storage = getManager(slow, 'long').storage;
      const connection = connectionOf(slow);
      const before = connection.locks.renewals;
      await storage.withLock(async (tx) => {
        await waitFor('four renewals (past the 100 ms TTL)', () => connection.locks.renewals >= before + 4);
        const error = await getManager(other, 'long').fire('x').then(() => undefined, (e: unknown) => e);
        expect(error).to.be.instanceOf(LockTimeoutError);
        tx.setLatestKwargs('written', { late: true });
      });
      expect(await storage.getLatestKwargs()).to.deep.equal({ written: { late: true } });
    });

    it('fences writes: a holder whose lock expired mid-operation writes nothing', async () => {
      const frozen = await redisTestContainer({ lockTtlMs: 100, lockRenewMs: 0 });
      const other = await redisTestContainer({ prefix: connectionOf(frozen).settings.prefix });
      const storage = getManager(frozen, 'fenced').storage;
      const attempt = storage.withLock(async (tx) => {
        await tx.tasks(); // a read: from here on this operation holds the lock
        tx.setLatestKwargs('stale', { from: 'frozen' });
        // While "frozen", the lock expires and another process does its own operation.
        await getManager(other, 'fenced').fire('fresh', { from: 'other' });
      });
      const error = await attempt.then(() => undefined, (e: unknown) => e);
      expect(error).to.be.instanceOf(LockLostError);
      expect(await storage.getLatestKwargs()).to.deep.equal({ fresh: { from: 'other' } });
    });
  });

  describe('keys', () => {
    const hostile = ['a:b', 'a', ':b', 'a:', 'b', '{a}', 'a}:{b', '{', '}', '{}', 'with space', ' ', 'ünï©ødé 💥', '\ud800', '\ufffd', 'x'.repeat(1024), 'lock', 'a:{b}:tasks'];

    it('never let two uids (colons, braces, spaces, unicode, 1 KB) collide, and keep each session in one hash slot', async () => {
      const container = await redisTestContainer();
      const prefix = connectionOf(container).settings.prefix;
      for (const [i, uid] of hostile.entries()) {
        const manager = getManager(container, uid);
        await manager.updateConfiguration({ [`t_${i}`]: { after: ['never'], andEvery: 'e', run: 'DevNullTask' } });
        await manager.fire('e', { uid });
      }
      const allKeys = await keysUnder(container, prefix);
      for (const [i, uid] of hostile.entries()) {
        const storage = getManager(container, uid).storage as RedisStorageBackend;
        expect(await storage.getLatestKwargs(), uid).to.deep.equal({ e: { uid } });
        expect(Object.keys(await storage.getTasks()), uid).to.deep.equal([`t_${i}`]);
        const own = allKeys.filter((key) => key.startsWith(storage.keys.base));
        expect(own.length, uid).to.be.greaterThan(3);
        expect(new Set(own.map((key) => calculateSlot(key))).size, uid).to.equal(1);
        expect(calculateSlot(own[0])).to.equal(calculateSlot(storage.keys.lock));
      }
    });

    it('hand every script the same keys in one order (lock, next, the record keys), all under the prefix’s key head', () => {
      for (const uid of hostile) {
        const keys = new RedisSessionKeys('p:x', uid);
        expect(keys.scriptKeys, uid).to.deep.equal([
          keys.lock,
          keys.next,
          keys.tasks,
          keys.taskTriggers,
          keys.instances,
          keys.latestKwargs,
          keys.instanceCounts,
          keys.unresolved,
          keys.tasksVersion,
        ]);
        expect(keys.recordKeys, uid).to.deep.equal(keys.scriptKeys.slice(2));
        expect(keys.base.startsWith(RedisSessionKeys.keyHead('p:x')), uid).to.equal(true);
        expect(keys.unstarted('t'), uid).to.equal(`${keys.base}${RedisSessionKeys.UNSTARTED_PART}t`);
      }
    });
  });

  describe('cost of an operation', () => {
    /** Commands (name and argument count) a fire of `x` sends in a session holding `resolved` resolved instances, and what it read. */
    async function measureFire(resolved: number, path: 'atomic' | 'locked'): Promise<{ commands: string[]; reads: FireReadSet[] }> {
      const container = await redisTestContainer();
      const manager = getManager(container, `history-${resolved}-${path}`);
      await manager.updateConfiguration({ t_h: { after: [], andEvery: 'h', run: 'DevNullTask' }, t_other: { after: ['x'], run: 'DevNullTask' } });
      for (let i = 0; i < resolved; i += 1) await manager.fire('h', { i });
      await ThreadingTaskRunner.joinAll();
      expect(await manager.storage.readInstanceCounts(['t_h'])).to.deep.equal({ t_h: resolved });
      await expectUnresolvedInstances(manager, []);

      const storage = manager.storage as RedisStorageBackend;
      const reads: FireReadSet[] = [];
      const readForFire = storage.readForFire.bind(storage);
      storage.readForFire = async (trigger) => {
        const read = await readForFire(trigger);
        reads.push(read);
        return read;
      };
      // Inside an operation that holds the lock, the fire takes the locked path (read, then write).
      const sent = await commandsSent(container, () => (path === 'locked' ? storage.withLock(() => manager.fire('x')) : manager.fire('x')));
      const commands = sent.map((command) => `${command.name}/${command.args.length}`);
      await ThreadingTaskRunner.joinAll();
      await expectInstance(manager, 't_other#0').finished();
      return { commands, reads };
    }

    it('a fire sends the same commands whether the session holds 2 or 40 resolved instances (one script, reading none of them)', async () => {
      const small = await measureFire(2, 'atomic');
      const large = await measureFire(40, 'atomic');
      expect(large.commands).to.deep.equal(small.commands);
      expect(small.commands).to.deep.equal(['evalsha/36']);
      expect(small.reads).to.deep.equal([]);
    });
    it('a fire under the lock reads and sends the same whether the session holds 2 or 40 resolved instances', async () => {
      const small = await measureFire(2, 'locked');
      const large = await measureFire(40, 'locked');
      expect(large.commands).to.deep.equal(small.commands);
      expect(large.reads).to.deep.equal(small.reads);
      expect(large.reads).to.have.length(1);
      expect(large.reads[0].unstarted).to.deep.equal([]);
    });
    it("a finished task's status change and cascade read its task configuration with the cascade's fire read", async () => {
      const container = await redisTestContainer();
      const manager = getManager(container, 'finish-reads');
      await manager.updateConfiguration({ ...COLLECTOR, t_after: { after: ['t_collect'], run: 'DevNullTask', using: 'coreSpecParking' } });
      await manager.fire('e');
      const storage = manager.storage as RedisStorageBackend;
      const sent = (
        await commandsSent(container, () => manager.updateInstanceStatus('t_collect#0', TaskStatus.Finished, { cascade: true, cascadeKwargs: { done: 1 } }))
      ).map((command) => `${command.name} ${String(command.args[0])}`);
      expect(sent.filter((line) => line.includes(storage.keys.tasks))).to.deep.equal([]);
      expect(sent.filter((line) => line.startsWith('hmget'))).to.deep.equal([`hmget ${storage.keys.instances}`]);
      await expectInstance(manager, 't_collect#0').finished();
      expect((await manager.storage.getInstance('t_after#0')).kwargs).to.deep.equal({ t_collect: { done: 1 } });
    });
  });

  describe('session lifetime', () => {
    it('applies the session TTL to every key and refreshes it on each write', async () => {
      const container = await redisTestContainer({ sessionTtlSeconds: 1000 });
      const prefix = connectionOf(container).settings.prefix;
      const redis = connectionOf(container).redis;
      const manager = getManager(container, 'ttl');
      await manager.updateConfiguration(COLLECTOR);
      await manager.fire('e');
      // The session's keys (the per-prefix directory indexes are no session's and have no TTL; operation ids expire by themselves).
      const all = await keysUnder(container, prefix);
      const keys = all.filter((key) => key.startsWith(`${prefix}:{`) && !isOperationKey(key));
      expect(keys.some((key) => key.includes(':u:'))).to.equal(true);
      for (const key of keys) {
        const ttl = await redis.ttl(key);
        expect(ttl, key).to.be.within(900, 1000);
        await redis.expire(key, 5);
      }
      await manager.fire('unrelated');
      for (const key of keys) expect(await redis.ttl(key), key).to.be.within(900, 1000);
      // The bucket hashes of applied-operation ids expire on their own, four spans of their window after they start (capped at the TTL).
      const operations = all.filter(isOperationKey);
      expect(operations).to.have.length.greaterThan(0);
      for (const key of operations) expect(await redis.pttl(key), key).to.be.within(1, 4 * (1000_000 + 2000));
    });

    it('keeps sessions forever without a TTL', async () => {
      const container = await redisTestContainer();
      const manager = getManager(container, 'forever');
      await manager.updateConfiguration(COLLECTOR);
      await manager.fire('e');
      const window = connectionOf(container).operationWindowMs('internal');
      const all = await keysUnder(container, connectionOf(container).settings.prefix);
      expect(all.filter(isOperationKey)).to.have.length.greaterThan(0);
      for (const key of all) {
        const ttl = await connectionOf(container).redis.pttl(key);
        // Applied operation ids are forgotten once their window ends (a bucket hash lives four spans of the window); everything else stays.
        if (isOperationKey(key)) expect(ttl, key).to.be.within(1, 4 * (window + 2000));
        else expect(ttl, key).to.equal(-1);
      }
    });

    it('deleteSession removes every key of the session and nothing else', async () => {
      const container = await redisTestContainer();
      const prefix = connectionOf(container).settings.prefix;
      const doomed = getManager(container, 'doomed');
      const kept = getManager(container, 'kept');
      for (const manager of [doomed, kept]) {
        await manager.updateConfiguration(WORKFLOW);
        await fireAll(manager, ['a', 'b', 'page', 'boom', 'x']);
        await manager.fire('a', { again: true }, { idempotencyKey: 'once' });
      }
      const before = await keysUnder(container, prefix);
      const doomedKeys = (doomed.storage as RedisStorageBackend).keys;
      const doomedBase = doomedKeys.base;
      const connection = connectionOf(container);
      for (const id of ['k:once', 'internal']) {
        const head = doomedKeys.appliedOperationsHead(connection.operationWindowMs(id));
        expect(before.filter((key) => key.startsWith(head)), `applied operation ids like ${id}`).to.have.length.greaterThan(0);
      }
      expect(await doomed.storage.readAppliedOutcome('k:once')).to.be.a('string');
      await doomed.storage.deleteSession();
      expect(await doomed.storage.readAppliedOutcome('k:once')).to.equal(undefined);
      // Its applied-operation ids too (the hashes of this connection's windows): nothing of the session remains.
      const after = await keysUnder(container, prefix);
      expect(after).to.deep.equal(before.filter((key) => !key.startsWith(doomedBase)));
      expect(after.some(isOperationKey), "the other session's applied operation ids").to.equal(true);
      expect(after.length).to.be.greaterThan(0);
      expect(await doomed.storage.getInstances()).to.deep.equal([]);
      expect(await kept.storage.getInstances()).to.have.length.greaterThan(3);
    });
  });

  describe('starting a scheduled instance in one step (no lock round trips)', () => {
    const NOW = new Date('2030-01-02T03:04:05.678Z');

    /** Writes instance `t_s#0` of `entry` as `scheduled` with exactly these kwargs and metadata (key order included). */
    async function scheduled(storage: StorageBackend, entry: TriggerConfiguration[string], kwargs: TriggerKwargs, metadata?: InstanceMetadata): Promise<InstanceMetadata> {
      return storage.withLock(async (tx) => {
        const config = TaskConfig.fromEntry('t_s', entry);
        tx.putTask(config);
        const instance = await tx.createInstance(config);
        instance.kwargs = kwargs;
        instance.setStatus(TaskStatus.Scheduled);
        if (metadata !== undefined) instance.metadata = metadata;
        tx.put(instance);
        return instance.metadata;
      });
    }

    /** What the locked start (TriggerManager.startInstance) writes for that record, as JSON text. */
    function lockedStart(record: string, entry: TriggerConfiguration[string]): string {
      const instance = TaskInstance.fromRecord(JSON.parse(record) as never, TaskConfig.fromEntry('t_s', entry));
      instance.metadata = { ...instance.metadata, actualKwargs: deepMerge(instance.config.withParams, instance.kwargs) };
      instance.setStatus(TaskStatus.Running, NOW);
      return JSON.stringify(instance.toRecord());
    }

    const ENTRY = { after: ['a'], run: 'DevNullTask' };
    const hostile = 'q"uo\\te }{,:[] "status":"scheduled" \u0000 ünï 💥';
    const shapes: Array<[string, TriggerKwargs, InstanceMetadata | undefined]> = [
      ['a plain record', { a: { x: 1 } }, undefined],
      ['empty kwargs', {}, undefined],
      [
        'user metadata before the timestamps, holding look-alike keys, strings, numbers and empty containers',
        { a: { s: hostile, n: [1e21, 0.1, -5, 1.5e-7], e: [], o: {}, nested: { status: 'scheduled', timestamps: { running: 'x' } } }, b: { '7': 'seven', z: null } },
        {
          '12': 'integer-like key',
          note: { status: 'scheduled', timestamps: { lastModified: 'no' }, actualKwargs: [hostile] },
          list: [{ '"status"': '"scheduled"' }, [], {}],
          timestamps: { created: '2020-01-01T00:00:00.000Z', scheduled: '2020-01-01T00:00:01.000Z' },
          after: hostile,
        },
      ],
      [
        'a record that already has actualKwargs and running/lastModified stamps',
        { a: { v: 2 } },
        { actualKwargs: { old: { v: true } }, depth: 1, timestamps: { running: 'old', created: 'c', lastModified: 'old', scheduled: 's' } },
      ],
      ['empty timestamps', { a: {} }, { timestamps: {} }],
    ];

    for (const [what, kwargs, metadata] of shapes) {
      it(`writes exactly what the locked start writes: ${what}`, async () => {
        const container = await redisTestContainer();
        const storage = getManager(container, `start-${what}`).storage as RedisStorageBackend;
        await scheduled(storage, ENTRY, kwargs, metadata);
        const redis = connectionOf(container).redis;
        const before = (await redis.hget(storage.keys.instances, 't_s#0')) as string;

        const started = await storage.startScheduledInstance('t_s#0', NOW);

        const after = (await redis.hget(storage.keys.instances, 't_s#0')) as string;
        expect(after).to.equal(lockedStart(before, ENTRY));
        expect(started).to.be.instanceOf(TaskInstance);
        expect((started as TaskInstance).toRecord()).to.deep.equal(JSON.parse(after));
        expect((started as TaskInstance).status).to.equal(TaskStatus.Running);
        expect(await redis.sismember(storage.keys.unstarted('t_s'), 't_s#0')).to.equal(0);
        expect(await redis.sismember(storage.keys.unresolved, 't_s#0')).to.equal(1);
        expect(await redis.exists(storage.keys.lock)).to.equal(0);
      });
    }

    it('answers "not scheduled" for a running instance and writes nothing (a re-delivered job runs nothing)', async () => {
      const container = await redisTestContainer();
      const manager = getManager(container, 'start-twice');
      const storage = manager.storage as RedisStorageBackend;
      await scheduled(storage, ENTRY, { a: {} });
      expect(await manager.startInstance('t_s#0')).to.be.instanceOf(TaskInstance);
      const redis = connectionOf(container).redis;
      const running = await redis.hget(storage.keys.instances, 't_s#0');
      expect(await storage.startScheduledInstance('t_s#0', NOW)).to.equal('not-scheduled');
      expect(await manager.startInstance('t_s#0')).to.equal(undefined);
      expect(await redis.hget(storage.keys.instances, 't_s#0')).to.equal(running);
    });

    it('refreshes the session TTL of every key, as any write does', async () => {
      const container = await redisTestContainer({ sessionTtlSeconds: 1000 });
      const storage = getManager(container, 'start-ttl').storage as RedisStorageBackend;
      await scheduled(storage, ENTRY, { a: {} });
      await storage.withLock(async (tx) => void (await tx.createInstance(await tx.task('t_s')))); // t_s#1 unstarted: its per-task set exists
      const redis = connectionOf(container).redis;
      const prefix = connectionOf(container).settings.prefix;
      const keys = (await keysUnder(container, prefix)).filter((key) => key.startsWith(`${prefix}:{`) && !isOperationKey(key));
      expect(keys.some((key) => key.includes(':u:'))).to.equal(true);
      for (const key of keys) await redis.expire(key, 5);
      expect(await storage.startScheduledInstance('t_s#0', NOW)).to.be.instanceOf(TaskInstance);
      for (const key of keys) expect(await redis.ttl(key), key).to.be.within(900, 1000);
    });

    it('declines a task with withParams, and the locked start merges them', async () => {
      const container = await redisTestContainer();
      const manager = getManager(container, 'start-params');
      const entry = { after: ['a'], run: 'DevNullTask', withParams: { a: { p: 1 } } };
      await scheduled(manager.storage, entry, { a: { x: 1 } });
      expect(await manager.storage.startScheduledInstance('t_s#0', NOW)).to.equal(undefined);
      await expectInstance(manager, 't_s#0').scheduled();
      const started = await manager.startInstance('t_s#0');
      expect(started?.metadata.actualKwargs).to.deep.equal({ a: { p: 1, x: 1 } });
      expect((await manager.storage.getInstance('t_s#0')).status).to.equal(TaskStatus.Running);
    });

    it('declines an unknown instance, so the start reports UnknownInstanceError', async () => {
      const container = await redisTestContainer();
      const manager = getManager(container, 'start-unknown');
      await scheduled(manager.storage, ENTRY, {});
      expect(await manager.storage.startScheduledInstance('t_s#9', NOW)).to.equal(undefined);
      const error = await manager.startInstance('t_s#9').then(() => undefined, (e: unknown) => e);
      expect(error).to.be.instanceOf(UnknownInstanceError);
    });

    it('respects a lock held by another process: the start waits and reads what the holder wrote', async () => {
      const holder = await redisTestContainer();
      const worker = await redisTestContainer({ prefix: connectionOf(holder).settings.prefix });
      const storage = getManager(holder, 'start-held').storage as RedisStorageBackend;
      await scheduled(storage, ENTRY, { a: {} });
      let start: Promise<TaskInstance | undefined> | undefined;
      await storage.withLock(async (tx) => {
        const instance = await tx.instance('t_s#0');
        start = getManager(worker, 'start-held').startInstance('t_s#0');
        // The one-step start was declined (lock held); the locked path queued as next.
        await waitFor('the start to queue for the lock', async () => (await connectionOf(holder).redis.exists(storage.keys.next)) === 1);
        expect(JSON.parse((await connectionOf(holder).redis.hget(storage.keys.instances, 't_s#0')) as string).status).to.equal('scheduled');
        instance.setStatus(TaskStatus.Abandoned);
        tx.put(instance);
      });
      expect(await start).to.equal(undefined);
      await expectInstance(getManager(worker, 'start-held'), 't_s#0').abandoned();
    });

    it('respects an operation of its own process holding the session', async () => {
      const container = await redisTestContainer();
      const storage = getManager(container, 'start-local').storage as RedisStorageBackend;
      await scheduled(storage, ENTRY, { a: {} });
      let start: Promise<TaskInstance | undefined> | undefined;
      await storage.withLock(async (tx) => {
        const instance = await tx.instance('t_s#0');
        start = StorageBackend.outsideLocks(() => getManager(container, 'start-local').startInstance('t_s#0'));
        instance.setStatus(TaskStatus.Abandoned);
        tx.put(instance);
      });
      expect(await start).to.equal(undefined);
      await expectInstance(getManager(container, 'start-local'), 't_s#0').abandoned();
    });
  });

  describe('JSON values', () => {
    it('rejects non-JSON kwargs at the fire and saves nothing', async () => {
      const container = await redisTestContainer();
      const manager = getManager(container, 'json');
      await manager.updateConfiguration(COLLECTOR);
      const before = await keysUnder(container, connectionOf(container).settings.prefix);
      const error = await manager.fire('e', { n: 10n }).then(() => undefined, (e: unknown) => e);
      expect(error).to.be.instanceOf(InvalidKwargsError);
      expect(await manager.storage.getInstances()).to.deep.equal([]);
      expect(await manager.storage.getLatestKwargs()).to.deep.equal({});
      expect(await keysUnder(container, connectionOf(container).settings.prefix)).to.deep.equal(before);
    });

    it('serialises a whole change set before writing any of it', async () => {
      const container = await redisTestContainer();
      const storage = getManager(container, 'json-write').storage;
      const changes: SessionChanges = {
        tasks: { t_ok: { after: ['a'], run: 'DevNullTask' } },
        latestKwargs: { a: {} },
        instanceCounts: { t_ok: 1 },
        instances: [{ name: 't_ok#0', task: 't_ok', status: TaskStatus.Unstarted, kwargs: {}, abandonState: [], metadata: { bad: 1n } as never }],
      };
      const error = await storage.withLock(() => storage.writeChanges(changes)).then(() => undefined, (e: unknown) => e);
      expect(error).to.be.instanceOf(InvalidKwargsError);
      expect((error as Error).message).to.contain('t_ok#0');
      expect(await storage.getTasks()).to.deep.equal({});
      expect(await storage.getLatestKwargs()).to.deep.equal({});
    });
  });
});

/** Whether `key` is a bucket hash of a session's applied-operation ids (`<base>o:<window>:<bucket>`, see RedisSessionKeys.appliedOperationsHead). */
function isOperationKey(key: string): boolean {
  return key.includes(`}:${RedisSessionKeys.OPERATION_PART}`);
}
