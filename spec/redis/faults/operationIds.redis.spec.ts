import { expect } from 'chai';
import { Redis } from 'ioredis';
import { OperationId, StorageUnavailableError, TRIGGERS, TaskInstance, TaskStatus, getManager } from '../../../src';
import type { AtomicOperation, RedisStorageBackend, TaskExecutor, TriggerManager } from '../../../src';
import { ThreadingTaskRunner, expectInstance } from '../../../src/testing';
import '../../support/coreRunners';
import { closeFaultContainers, faultContainer, onceAvailable } from '../../support/faultFixtures';
import { closeRedisContainers, connectionOf, keysUnder, redisTestContainer } from '../../support/redisContainers';
import { RestartableRedis } from '../../support/restartableRedis';
import { uniquePrefix } from '../../support/sharedRedis';
import { waitFor } from '../../support/waitFor';

const EVERY = { t_every: { after: ['go'], andEvery: 'go', run: 'PassThruTask' } };

/** The `go` kwargs of every instance of `t_every`, by instance. */
async function everyKwargs(manager: TriggerManager): Promise<unknown[]> {
  return (await manager.storage.instancesOfTask('t_every')).map((instance) => instance.kwargs.go);
}

/** An atomic fire of `go` as the manager sends it, under `operationId`, handing nothing to runners. */
function atomicFire(operationId: string, n: number): AtomicOperation {
  return { fire: { trigger: 'go', kwargs: { n } }, operationId, now: new Date(), managerType: 'default', canHandOff: () => true, runnerOf: () => undefined };
}

describe('faults: operation ids (every mutation applied at most once)', function () {
  this.timeout(60_000);
  const servers: RestartableRedis[] = [];
  const clients: Redis[] = [];

  afterEach(async () => {
    await ThreadingTaskRunner.joinAll().catch(() => undefined);
    for (const client of clients.splice(0)) client.disconnect();
    await closeRedisContainers();
    await closeFaultContainers();
    await Promise.all(servers.splice(0).map((server) => server.remove()));
  });

  describe('the scripts', () => {
    it('apply an atomic fire sent twice with one id once, and answer the repeat with the first outcome', async () => {
      const container = await redisTestContainer();
      const manager = getManager(container, 'ids-atomic');
      await manager.updateConfiguration(EVERY);
      const storage = manager.storage as RedisStorageBackend;

      const first = await storage.applyAtomically(atomicFire('op-1', 1));
      const again = await storage.applyAtomically(atomicFire('op-1', 2));
      expect(first?.repeated).to.equal(undefined);
      expect(first?.scheduled.map((instance) => instance.name)).to.deep.equal(['t_every#0']);
      expect(again?.repeated).to.equal(true);
      expect(again?.scheduled.map((instance) => instance.name)).to.deep.equal(['t_every#0']);
      expect(again?.scheduled[0].status).to.equal(TaskStatus.Scheduled);
      expect(again?.enqueued?.has('t_every#0'), 'not enqueued then: its runner gets it again').to.equal(false);
      expect(await everyKwargs(manager)).to.deep.equal([{ n: 1 }]);
      expect(await storage.getLatestKwargs()).to.deep.equal({ go: { n: 1 } });

      await storage.applyAtomically(atomicFire('op-2', 3));
      expect(await everyKwargs(manager)).to.deep.equal([{ n: 1 }, { n: 3 }]);
    });

    it('remember an id of this process from its second send on (its first cannot be a repeat), in a bucket of its window', async () => {
      const container = await redisTestContainer();
      const manager = getManager(container, 'ids-own');
      await manager.updateConfiguration(EVERY);
      const storage = manager.storage as RedisStorageBackend;
      const id = OperationId.next();
      const first = await storage.applyAtomically(atomicFire(id, 1));
      const again = await storage.applyAtomically(atomicFire(id, 2));
      expect(first?.repeated).to.equal(undefined);
      expect(again?.repeated, 'the second send looks the id up').to.equal(true);
      expect(await storage.readAppliedOutcome(id)).to.be.a('string');
      expect(await everyKwargs(manager)).to.deep.equal([{ n: 1 }]);
      // Another fresh id is applied: its first send looks nothing up, and nothing matches it anyway.
      await storage.applyAtomically(atomicFire(OperationId.next(), 3));
      expect(await everyKwargs(manager)).to.deep.equal([{ n: 1 }, { n: 3 }]);

      const window = connectionOf(container).operationWindowMs(id);
      const head = storage.keys.appliedOperationsHead(window);
      const redis = connectionOf(container).redis;
      const buckets = (await keysUnder(container, connectionOf(container).settings.prefix)).filter((key) => key.startsWith(head));
      expect(buckets).to.have.length.within(1, 2);
      const span = window + 2000;
      for (const key of buckets) {
        expect(Number(key.slice(head.length)), key).to.be.within(Math.floor(Date.now() / span) - 1, Math.floor(Date.now() / span));
        expect(await redis.pttl(key), key).to.be.within(1, 4 * span);
      }
    });

    it('apply a start sent twice with one id once, and answer the repeat with the running record', async () => {
      const container = await redisTestContainer();
      const manager = getManager(container, 'ids-start');
      await manager.updateConfiguration(EVERY);
      const storage = manager.storage as RedisStorageBackend;
      await storage.applyAtomically(atomicFire('op-f', 1));
      const now = new Date('2030-01-02T03:04:05.678Z');

      const started = await storage.startScheduledInstance('t_every#0', now, 'start-1');
      const repeated = await storage.startScheduledInstance('t_every#0', now, 'start-1');
      expect(started).to.be.instanceOf(TaskInstance);
      expect(repeated).to.be.instanceOf(TaskInstance);
      expect((repeated as TaskInstance).toRecord()).to.deep.equal((started as TaskInstance).toRecord());
      expect((repeated as TaskInstance).status).to.equal(TaskStatus.Running);
      expect(await storage.startScheduledInstance('t_every#0', now, 'start-2'), 'another start').to.equal('not-scheduled');
    });

    it('apply a locked write sent twice with one id once', async () => {
      const container = await redisTestContainer();
      const manager = getManager(container, 'ids-locked');
      await manager.updateConfiguration(EVERY);
      const create = (tx: Parameters<Parameters<TriggerManager['storage']['withLock']>[0]>[0]): Promise<void> =>
        tx.task('t_every').then(async (task) => void tx.put(await tx.createInstance(task)));
      await manager.storage.withLock(create, 'write-1');
      await manager.storage.withLock(create, 'write-1');
      expect(await manager.storage.instancesOfTask('t_every')).to.have.length(1);
      await manager.storage.withLock(create, 'write-2');
      expect(await manager.storage.instancesOfTask('t_every')).to.have.length(2);
    });
  });

  describe('fire(trigger, kwargs, { idempotencyKey }) on Redis', () => {
    it('creates one andEvery instance for a key fired twice, from this process and from another connection, on either path', async () => {
      const container = await redisTestContainer();
      const prefix = connectionOf(container).settings.prefix;
      const other = await redisTestContainer({ prefix });
      const here = getManager(container, 'ids-keyed');
      const there = getManager(other, 'ids-keyed');
      await here.updateConfiguration(EVERY);

      await here.fire('go', { n: 1 }, { idempotencyKey: 'hook-1' });
      await here.fire('go', { n: 2 }, { idempotencyKey: 'hook-1' });
      await there.fire('go', { n: 3 }, { idempotencyKey: 'hook-1' });
      // Inside a locked block the fire takes the locked path, which asks first whether the key was applied.
      await there.storage.withLock(() => there.fire('go', { n: 4 }, { idempotencyKey: 'hook-1' }));
      await ThreadingTaskRunner.joinAll();
      expect(await everyKwargs(here)).to.deep.equal([{ n: 1 }]);
      await expectInstance(here, 't_every#0').finished();

      // A key first applied on the locked path is recognised by the script.
      await there.storage.withLock(() => there.fire('go', { n: 5 }, { idempotencyKey: 'hook-2' }));
      await here.fire('go', { n: 6 }, { idempotencyKey: 'hook-2' });
      await ThreadingTaskRunner.joinAll();
      expect(await everyKwargs(here)).to.deep.equal([{ n: 1 }, { n: 5 }]);
    });

    it('applies a key again once its window ended', async () => {
      const container = await redisTestContainer({ idempotencyWindowSeconds: 1 });
      const manager = getManager(container, 'ids-window');
      await manager.updateConfiguration(EVERY);
      const storage = manager.storage as RedisStorageBackend;
      await manager.fire('go', { n: 1 }, { idempotencyKey: 'brief' });
      await manager.fire('go', { n: 2 }, { idempotencyKey: 'brief' });
      expect(await everyKwargs(manager)).to.deep.equal([{ n: 1 }]);
      expect(await storage.readAppliedOutcome('k:brief')).to.be.a('string');
      // Remembered in a bucket hash of the window (bucketed by the server's clock for a key), expiring on its own.
      const redis = connectionOf(container).redis;
      const head = storage.keys.appliedOperationsHead(1000);
      const holding: string[] = [];
      for (const key of await keysUnder(container, connectionOf(container).settings.prefix)) {
        if (key.startsWith(head) && (await redis.hget(key, 'k:brief')) !== null) holding.push(key);
      }
      expect(holding).to.have.length(1);
      // Internal ids have the same window here (capped at it), and a hash they start lives four spans.
      expect(await redis.pttl(holding[0])).to.be.within(1, 4 * 3000);
      await waitFor('the key to be forgotten', async () => (await storage.readAppliedOutcome('k:brief')) === undefined, 10_000);
      await manager.fire('go', { n: 3 }, { idempotencyKey: 'brief' });
      await ThreadingTaskRunner.joinAll();
      expect(await everyKwargs(manager)).to.deep.equal([{ n: 1 }, { n: 3 }]);
    });
  });

  describe('Redis restarted or stalled while operations are in flight', () => {
    it('applies every acknowledged fire exactly once, a failed one at most once, and a retried key never twice', async () => {
      const server = await RestartableRedis.onFreePort();
      servers.push(server);
      await server.start();
      const { container } = faultContainer(server.url, { prefix: uniquePrefix('ids-restart') });
      const manager = getManager(container, 'ids-restart');
      await manager.updateConfiguration(EVERY);

      // Even fires carry an idempotency key, odd ones only their internal id.
      const fire = (n: number): Promise<void> => manager.fire('go', { n }, n % 2 === 0 ? { idempotencyKey: `f-${n}` } : undefined);
      const acknowledged = new Set<number>();
      const failed = new Set<number>();
      let n = 0;
      let restarted = false;
      const stream = (async () => {
        while (n < 400 && !(restarted && n > 300)) {
          const batch: number[] = [];
          for (let i = 0; i < 8; i += 1) batch.push(n++);
          await Promise.all(
            batch.map((k) =>
              fire(k).then(
                () => acknowledged.add(k),
                (error: unknown) => {
                  if (!(error instanceof StorageUnavailableError)) throw error;
                  failed.add(k);
                },
              ),
            ),
          );
        }
      })();
      await waitFor('some acknowledged fires', () => acknowledged.size > 40, 20_000);
      await server.stop();
      // Down past the operation timeout and the re-send budget, so that some fires fail.
      await waitFor('some failed fires', () => failed.size >= 8, 20_000);
      await server.start();
      restarted = true;
      await stream;
      expect(acknowledged.size + failed.size).to.equal(n);
      expect(failed.size).to.be.at.least(8);

      const counts = async (): Promise<Map<number, number>> => {
        const out = new Map<number, number>();
        for (const kwargs of await onceAvailable('reading instances', () => everyKwargs(manager))) {
          const k = (kwargs as { n: number }).n;
          out.set(k, (out.get(k) ?? 0) + 1);
        }
        return out;
      };
      const seen = await counts();
      for (const k of acknowledged) expect(seen.get(k), `acknowledged fire ${k}`).to.equal(1);
      for (const k of failed) expect(seen.get(k) ?? 0, `failed fire ${k}`).to.be.at.most(1);

      for (const k of failed) if (k % 2 === 0) await onceAvailable(`retrying fire ${k}`, () => fire(k));
      const after = await counts();
      for (let k = 0; k < n; k += 1) {
        if (k % 2 === 0 || acknowledged.has(k)) expect(after.get(k), `fire ${k}`).to.equal(1);
        else expect(after.get(k) ?? 0, `fire ${k}`).to.be.at.most(1);
      }
      await ThreadingTaskRunner.joinAll().catch(() => undefined);
    });

    it('acknowledges a fire whose reply was lost (the server paused past the operation timeout) and applies it once', async () => {
      const server = await RestartableRedis.onFreePort();
      servers.push(server);
      await server.start();
      const { container } = faultContainer(server.url, { prefix: uniquePrefix('ids-pause-fire') });
      const manager = getManager(container, 'ids-pause-fire');
      await manager.updateConfiguration(EVERY);
      await manager.fire('go', { n: 0 });
      const pauser = new Redis(server.url);
      clients.push(pauser);
      await pauser.call('CLIENT', 'PAUSE', '650', 'ALL');
      await manager.fire('go', { n: 1 });
      await ThreadingTaskRunner.joinAll();
      expect(await everyKwargs(manager)).to.deep.equal([{ n: 0 }, { n: 1 }]);
    });

    it('runs the task of a start whose reply was lost (the server paused past the operation timeout)', async () => {
      const server = await RestartableRedis.onFreePort();
      servers.push(server);
      await server.start();
      const { container } = faultContainer(server.url, { prefix: uniquePrefix('ids-pause') });
      const manager = getManager(container, 'ids-pause');
      await manager.updateConfiguration({ t_once: { after: ['go'], run: 'PassThruTask' } });
      await manager.storage.withLock(async (tx) => {
        const instance = await tx.createInstance(await tx.task('t_once'));
        instance.setStatus(TaskStatus.Scheduled);
        tx.put(instance);
      });
      const pauser = new Redis(server.url);
      clients.push(pauser);
      // Longer than one operation timeout (400 ms), shorter than the re-send budget that follows it.
      await pauser.call('CLIENT', 'PAUSE', '650', 'ALL');
      const executor = container.get<TaskExecutor>(TRIGGERS.TaskExecutor);
      await executor.execute({ uid: 'ids-pause', instance: 't_once#0', manager: 'default', storage: 'redis', kwargs: {} });
      await expectInstance(manager, 't_once#0').finished();
    });
  });
});
