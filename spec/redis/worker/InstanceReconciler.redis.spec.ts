import { expect } from 'chai';
import type { Container } from 'inversify';
import { BullMQTaskRunner, JobGoneError, TRIGGERS, Task, TaskStatus, TriggerTask, getManager } from '../../../src';
import type { DirectoryInstance, Kwargs, RedisConnection, StorageDirectory, TaskContext, TriggerManager } from '../../../src';
import { bullmqContainer, bullmqSession, closeBullmq, completedJob, startWorker } from '../../support/bullmqFixtures';
import { waitFor } from '../../support/redisContainers';

/** Finishes with its instance name. */
@TriggerTask({ name: 'RC_Step' })
class ReconcileStepTask extends Task {
  async run(ctx: TaskContext): Promise<Kwargs> {
    return { ran: ctx.instanceName };
  }
}
void ReconcileStepTask;

const CONFIG = { t_a: { after: ['go'], run: 'RC_Step' }, t_b: { after: ['t_a'], run: 'RC_Step' } };
/** Reconciliation by hand only (interval 0), looking at every entry however young (grace 0). */
const BY_HAND = { reconcileIntervalMs: 0, reconcileGraceMs: 0, heartbeatIntervalMs: 100, heartbeatTimeoutMs: 300 };

function directoryOf(manager: TriggerManager): StorageDirectory {
  const directory = manager.storage.directory();
  if (directory === undefined) throw new Error('no directory');
  return directory;
}

function names(entries: DirectoryInstance[]): string[] {
  return entries.map((entry) => `${entry.uid} ${entry.instance}`).sort();
}

async function jobIdOf(manager: TriggerManager, prefix: string, instance: string): Promise<string> {
  return BullMQTaskRunner.jobIdFor(prefix, manager.storage.uid, instance);
}

describe('TriggerWorker: reconciliation over the directory of scheduled and running instances', function () {
  this.timeout(20_000);
  afterEach(closeBullmq);

  it('lists scheduled and running instances in the directory, and drops them once resolved', async () => {
    const { container } = await bullmqContainer({ defaultStorage: 'redis' });
    const manager = await bullmqSession(container, CONFIG, 'dir: ✓ {x}');
    await manager.fire('go');
    const directory = directoryOf(manager);
    expect(names((await directory.instancesByStatus(TaskStatus.Scheduled)).entries)).to.deep.equal(['dir: ✓ {x} t_a#0']);
    await manager.storage.withLock(async (tx) => {
      const instance = await tx.instance('t_a#0');
      instance.start();
      tx.put(instance);
    });
    expect((await directory.instancesByStatus(TaskStatus.Scheduled)).entries).to.deep.equal([]);
    const running = (await directory.instancesByStatus(TaskStatus.Running)).entries;
    expect(names(running)).to.deep.equal(['dir: ✓ {x} t_a#0']);
    expect(running[0].since.getTime()).to.be.closeTo(Date.now(), 5_000);
    await manager.updateInstanceStatus('t_a#0', TaskStatus.Failed);
    expect(names((await directory.instancesByStatus(TaskStatus.Failed)).entries)).to.deep.equal(['dir: ✓ {x} t_a#0']);
    await manager.replayFailedInstance('t_a#0');
    expect((await directory.instancesByStatus(TaskStatus.Failed)).entries).to.deep.equal([]);
    expect(names((await directory.instancesByStatus(TaskStatus.Scheduled)).entries)).to.deep.equal(['dir: ✓ {x} t_a#1']);
    expect((await directory.sessionsByActivity()).entries.map((entry) => entry.uid)).to.deep.equal(['dir: ✓ {x}']);

    const worker = await startWorker(container, BY_HAND);
    await waitFor('t_b#0 to finish', async () => (await manager.storage.getInstance('t_b#0').catch(() => undefined))?.status === TaskStatus.Finished);
    expect((await worker.reconcile()).examined).to.equal(0);
    for (const status of [TaskStatus.Scheduled, TaskStatus.Running, TaskStatus.Failed] as const) {
      expect((await directory.instancesByStatus(status)).entries, status).to.deep.equal([]);
    }
    await manager.storage.deleteSession();
    expect((await directory.sessionsByActivity()).entries).to.deep.equal([]);
  });

  it('answers the same directory queries on memory storage as on Redis (status, paging, time range)', async () => {
    const scenario = async (container: Container): Promise<unknown> => {
      for (const uid of ['s-1', 's-2', 's-3']) {
        const manager = getManager(container, uid);
        await manager.updateConfiguration({ t_a: { after: ['go'], run: 'RC_Step', using: 'bullmq' }, t_c: { after: ['go'], run: 'RC_Step', using: 'bullmq' } });
        await manager.fire('go');
        await manager.storage.withLock(async (tx) => {
          const instance = await tx.instance('t_a#0');
          instance.start();
          tx.put(instance);
        });
      }
      await getManager(container, 's-2').updateInstanceStatus('t_c#0', TaskStatus.Failed);
      const directory = directoryOf(getManager(container, 's-1'));
      const first = await directory.instancesByStatus(TaskStatus.Running, { limit: 2 });
      const second = await directory.instancesByStatus(TaskStatus.Running, { limit: 2, cursor: first.next });
      const future = await directory.instancesByStatus(TaskStatus.Running, { since: new Date(Date.now() + 60_000) });
      const past = await directory.instancesByStatus(TaskStatus.Running, { before: new Date(Date.now() - 60_000) });
      return {
        running: [names(first.entries), first.next !== undefined, names(second.entries), second.next],
        scheduled: names((await directory.instancesByStatus(TaskStatus.Scheduled)).entries),
        failed: names((await directory.instancesByStatus(TaskStatus.Failed)).entries),
        ranges: [future.entries, past.entries],
        sessions: (await directory.sessionsByActivity()).entries.map((entry) => entry.uid).sort(),
      };
    };
    const { container: redis } = await bullmqContainer({ defaultStorage: 'redis' });
    const onRedis = await scenario(redis);
    const onMemory = await scenario((await bullmqContainer({ defaultStorage: 'memory' })).container);
    expect(onMemory).to.deep.equal(onRedis);
    expect(onRedis).to.deep.include({ scheduled: ['s-1 t_c#0', 's-3 t_c#0'], failed: ['s-2 t_c#0'], sessions: ['s-1', 's-2', 's-3'] });
  });

  it('enqueues again a scheduled instance whose job was deleted, and it runs', async () => {
    const { container, prefix, runner } = await bullmqContainer({ defaultStorage: 'redis' });
    const manager = await bullmqSession(container, CONFIG);
    await manager.fire('go');
    const jobId = await jobIdOf(manager, prefix, 't_a#0');
    await runner.queue('triggers').remove(jobId);
    expect(await runner.queue('triggers').getJobState(jobId)).to.equal('unknown');
    const worker = await startWorker(container, BY_HAND);
    const secondWorker = await startWorker(container, BY_HAND);
    const finished = completedJob(worker, 't_b#0');
    const finishedElsewhere = completedJob(secondWorker, 't_b#0');
    // Two workers reconciling at once act once.
    const reports = await Promise.all([worker.reconcile(), secondWorker.reconcile()]);
    expect(reports.flatMap((report) => report.reenqueued)).to.deep.equal([{ uid: manager.storage.uid, instance: 't_a#0' }]);
    await Promise.race([finished, finishedElsewhere]);
    expect((await manager.storage.getInstance('t_a#0')).status).to.equal(TaskStatus.Finished);
    expect((await manager.storage.getInstance('t_b#0')).metadata.result).to.deep.equal({ ran: 't_b#0' });
  });

  it('fails a running instance whose job is gone and that no worker claims with JobGoneError; leaves young ones alone', async () => {
    const { container, prefix, runner } = await bullmqContainer({ defaultStorage: 'redis' });
    const manager = await bullmqSession(container, CONFIG);
    await manager.fire('go');
    const jobId = await jobIdOf(manager, prefix, 't_a#0');
    await runner.queue('triggers').remove(jobId);
    await manager.storage.withLock(async (tx) => {
      const instance = await tx.instance('t_a#0');
      instance.start();
      tx.put(instance);
    });
    const patient = await startWorker(container, { ...BY_HAND, reconcileGraceMs: 600_000 });
    expect((await patient.reconcile()).examined).to.equal(0);
    const worker = await startWorker(container, BY_HAND);
    const report = await worker.reconcile();
    expect(report.failed.map((entry) => [entry.instance, entry.error.name])).to.deep.equal([['t_a#0', 'JobGoneError']]);
    const failed = await manager.storage.getInstance('t_a#0');
    expect(failed.status).to.equal(TaskStatus.Failed);
    expect(failed.metadata.exceptionType).to.equal(JobGoneError.name);
    expect(failed.metadata.exceptionInfo).to.include(jobId).and.include('no longer exists');
    expect((await manager.storage.getInstances()).map((instance) => instance.name)).to.deep.equal(['t_a#0']);
    // Nothing more to do: a second pass finds the instance failed and leaves it.
    expect((await worker.reconcile()).failed).to.deep.equal([]);
  });

  it('leaves running instances alone while the heartbeat record is behind its own beats (a failover or restart lost them), and settles them once it is current', async () => {
    const { container, prefix, runner } = await bullmqContainer({ defaultStorage: 'redis' });
    const manager = await bullmqSession(container, CONFIG);
    await manager.fire('go');
    await runner.queue('triggers').remove(await jobIdOf(manager, prefix, 't_a#0'));
    await manager.storage.withLock(async (tx) => {
      const instance = await tx.instance('t_a#0');
      instance.start();
      tx.put(instance);
    });
    // One beat at start, then none within the spec: the record stays as the spec leaves it.
    const worker = await startWorker(container, { ...BY_HAND, heartbeatIntervalMs: 60_000, heartbeatTimeoutMs: 120_000, lockDurationMs: 120_000 });
    const redis = container.get<RedisConnection>(TRIGGERS.RedisConnection).redis;
    const key = `${prefix}:workers`;
    const ownBeat = (await redis.hget(key, worker.workerId as string)) as string;
    // The server as a replica promoted after a failover may be: this worker's latest beats are not there.
    await redis.hdel(key, worker.workerId as string);
    const behind = await worker.reconcile();
    expect(behind.heartbeatsBehind).to.equal(true);
    expect(behind.failed).to.deep.equal([]);
    expect((await manager.storage.getInstance('t_a#0')).status).to.equal(TaskStatus.Running);
    // A beat older than the heartbeat timeout is behind too.
    const [seconds] = await redis.time();
    await redis.hset(key, worker.workerId as string, `${(Number(seconds) - 600) * 1000}:[]`);
    expect((await worker.reconcile()).failed).to.deep.equal([]);
    await redis.hset(key, worker.workerId as string, ownBeat);
    const current = await worker.reconcile();
    expect(current.heartbeatsBehind).to.equal(undefined);
    expect(current.failed.map((entry) => [entry.instance, entry.error.name])).to.deep.equal([['t_a#0', 'JobGoneError']]);
  });
});
