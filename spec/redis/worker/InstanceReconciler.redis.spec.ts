import { expect } from 'chai';
import type { Container } from 'inversify';
import { BullMQTaskRunner, JobGoneError, Manager, TRIGGERS, Task, TaskStatus, TriggerManager, TriggerTask, TriggerWorker, getManager } from '../../../src';
import type { DirectoryInstance, Kwargs, RedisConnection, StorageDirectory, TaskContext, TaskInstance } from '../../../src';
import { bullmqContainer, bullmqSession, closeBullmq, completedJob, startWorker } from '../../support/bullmqFixtures';
import { waitFor } from '../../support/waitFor';
import { untilClockPasses } from '../../support/waitFor';

/** Finishes with its instance name. */
@TriggerTask({ name: 'RC_Step' })
class ReconcileStepTask extends Task {
  async run(ctx: TaskContext): Promise<Kwargs> {
    return { ran: ctx.instanceName };
  }
}
void ReconcileStepTask;

/** Status changes a {@link WatchingManager} heard, by session uid. */
const heard = new Map<string, string[]>();

/** An application's manager type that alerts on status changes. */
@Manager('RC_Watching')
class WatchingManager extends TriggerManager {
  protected override postStatusChange(instance: TaskInstance, previous: TaskStatus): void {
    heard.set(this.storage.uid, [...(heard.get(this.storage.uid) ?? []), `${instance.name}: ${previous} -> ${instance.status}`]);
  }
}
void WatchingManager;

/** A session `uid` of the {@link WatchingManager} type whose `t_a#0` a worker (reconciling by hand) ran to completion. */
async function watchedRun(uid: string): Promise<{ prefix: string; runner: BullMQTaskRunner; manager: TriggerManager; worker: TriggerWorker }> {
  const { container, prefix, runner } = await bullmqContainer({ defaultStorage: 'redis' });
  const manager = getManager(container, uid, { manager: 'RC_Watching' });
  await manager.updateConfiguration({ t_a: { after: ['go'], run: 'RC_Step' } });
  const worker = await startWorker(container, BY_HAND);
  const done = completedJob(worker, 't_a#0', uid);
  await manager.fire('go');
  await done;
  return { prefix, runner, manager, worker };
}

/** Puts `instance` back to `status` by hand (as if its outcome had never been recorded), its job left finished. */
async function putBack(manager: TriggerManager, instance: string, status: TaskStatus): Promise<void> {
  await manager.storage.withLock(async (tx) => {
    const target = await tx.instance(instance);
    target.setStatus(status);
    tx.put(target);
  });
}

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
    // The counts followed the worker's starts (on fetch or by text) and finishes, and the replay.
    expect(await directory.counts()).to.deep.equal({
      tasks: [
        { task: 't_a', counts: { finished: 1, replayed: 1 } },
        { task: 't_b', counts: { finished: 1 } },
      ],
      total: { finished: 2, replayed: 1 },
    });
    await manager.storage.deleteSession();
    expect((await directory.sessionsByActivity()).entries).to.deep.equal([]);
    expect(await directory.counts()).to.deep.equal({ tasks: [], total: {} });
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

  it('keeps scheduled and running in one listing on both backends: a start keeps its place, is dated by the record, is no session activity, and a page filters its share', async () => {
    const scenario = async (container: Container): Promise<unknown> => {
      const manager = getManager(container, 'act-1');
      await manager.updateConfiguration({ t_a: { after: ['go'], run: 'RC_Step', using: 'bullmq' }, t_c: { after: ['go'], run: 'RC_Step', using: 'bullmq' } });
      await manager.fire('go');
      const directory = directoryOf(manager);
      const created = (await directory.sessionsByActivity()).entries[0].lastActivity.getTime();
      const scheduledAt = (await directory.instancesByStatus(TaskStatus.Scheduled)).entries.map((entry) => entry.since.getTime());
      // The clock moves on before the start, so a start that dated the session would show.
      await untilClockPasses(Math.max(created, ...scheduledAt) + 2);
      await manager.storage.withLock(async (tx) => {
        const instance = await tx.instance('t_a#0');
        instance.start();
        tx.put(instance);
      });
      const afterStart = (await directory.sessionsByActivity()).entries[0].lastActivity.getTime();
      const [running] = (await directory.instancesByStatus(TaskStatus.Running)).entries;
      const startStamp = (await manager.storage.getInstance('t_a#0')).metadata.timestamps?.running;
      // The shared listing keeps the order of scheduling: t_a#0 (running) and t_c#0 (scheduled) were scheduled together.
      const first = await directory.instancesByStatus(TaskStatus.Running, { limit: 1 });
      const second = await directory.instancesByStatus(TaskStatus.Running, { limit: 1, cursor: first.next });
      await manager.updateInstanceStatus('t_a#0', TaskStatus.Failed);
      const afterFailure = (await directory.sessionsByActivity()).entries[0].lastActivity.getTime();
      return {
        startLeftActivity: afterStart === created,
        datedByStart: running.since.toISOString() === startStamp && running.since.getTime() > Math.max(...scheduledAt),
        failureIsActivity: afterFailure > created,
        pages: [names(first.entries), first.next !== undefined, names(second.entries), second.next],
        scheduled: names((await directory.instancesByStatus(TaskStatus.Scheduled)).entries),
        running: names((await directory.instancesByStatus(TaskStatus.Running)).entries),
      };
    };
    const onRedis = await scenario((await bullmqContainer({ defaultStorage: 'redis' })).container);
    const onMemory = await scenario((await bullmqContainer({ defaultStorage: 'memory' })).container);
    expect(onRedis).to.deep.equal({
      startLeftActivity: true,
      datedByStart: true,
      failureIsActivity: true,
      pages: [['act-1 t_a#0'], true, [], undefined],
      scheduled: ['act-1 t_c#0'],
      running: [],
    });
    expect(onMemory).to.deep.equal(onRedis);
  });

  it('drops the entry of an instance whose record is gone (its session deleted by other means)', async () => {
    const { container } = await bullmqContainer({ defaultStorage: 'redis' });
    const manager = await bullmqSession(container, CONFIG, 'rc-gone');
    await manager.fire('go');
    const connection = container.get<RedisConnection>(TRIGGERS.RedisConnection);
    await connection.redis.hdel(connection.keysFor('rc-gone').instances, 't_a#0');
    const directory = directoryOf(manager);
    // The listing leaves out an entry whose record is gone; the reconciliation removes it.
    expect((await directory.instancesByStatus(TaskStatus.Scheduled)).entries).to.deep.equal([]);
    const worker = await startWorker(container, BY_HAND);
    expect((await worker.reconcile()).examined).to.equal(1);
    expect((await worker.reconcile()).examined).to.equal(0);
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

  it("acts through the manager type the instance's job names: a custom manager's postStatusChange hears of a JobGoneError", async () => {
    const { prefix, runner, manager, worker } = await watchedRun('rc-watching-1');
    const jobId = await jobIdOf(manager, prefix, 't_a#0');
    expect(await runner.queue('triggers').getJobState(jobId)).to.equal('completed');
    await putBack(manager, 't_a#0', TaskStatus.Running);
    heard.delete(manager.storage.uid);
    // Until the worker's next heartbeat, its last one may still list the job it ran (a live claim): passes leave it alone.
    const failed: string[][] = [];
    await waitFor('a pass that fails t_a#0', async () => {
      failed.push(...(await worker.reconcile()).failed.map((entry) => [entry.instance, entry.error.name]));
      return failed.length > 0;
    });
    expect(failed).to.deep.equal([['t_a#0', 'JobGoneError']]);
    expect(heard.get(manager.storage.uid)).to.deep.equal(['t_a#0: running -> failed']);
  });

  it('a scheduled instance enqueued again keeps its manager type in the new job, whose run the custom manager hears of', async () => {
    const { prefix, runner, manager, worker } = await watchedRun('rc-watching-2');
    await putBack(manager, 't_a#0', TaskStatus.Scheduled);
    heard.delete(manager.storage.uid);
    const again = completedJob(worker, 't_a#0', manager.storage.uid);
    // An entry written this millisecond is not older than the grace period yet: the next pass takes it.
    const reenqueued: Array<{ uid: string; instance: string }> = [];
    await waitFor('a pass that enqueues t_a#0 again', async () => {
      reenqueued.push(...(await worker.reconcile()).reenqueued);
      return reenqueued.length > 0;
    });
    expect(reenqueued).to.deep.equal([{ uid: manager.storage.uid, instance: 't_a#0' }]);
    expect((await again).outcome).to.equal(TaskStatus.Finished);
    const job = await runner.queue('triggers').getJob(await jobIdOf(manager, prefix, 't_a#0'));
    expect(job?.data.manager).to.equal('RC_Watching');
    expect(heard.get(manager.storage.uid)).to.deep.equal(['t_a#0: scheduled -> running', 't_a#0: running -> finished']);
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
