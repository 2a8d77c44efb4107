import { expect } from 'chai';
import type { Container } from 'inversify';
import { BullMQTaskRunner, TRIGGERS, Task, TaskStatus, TriggerTask, WorkerLostError, getManager, runnerToken } from '../../../src';
import type { JobCompletedEvent, Kwargs, RedisConnection, TaskContext, TriggerManager } from '../../../src';
import { Redis } from 'ioredis';
import { bullmqContainer, bullmqSession, closeBullmq, completedJob, failedJob, startWorker } from '../../support/bullmqFixtures';
import { closeFaultContainers, faultContainer, onceAvailable } from '../../support/faultFixtures';
import { RestartableRedis } from '../../support/restartableRedis';
import { waitFor } from '../../support/waitFor';

/** Finishes with its instance name. */
@TriggerTask({ name: 'JB_Step' })
class JobBehindStepTask extends Task {
  async run(ctx: TaskContext): Promise<Kwargs> {
    return { ran: ctx.instanceName };
  }
}
void JobBehindStepTask;

const CONFIG = { t_a: { after: ['go'], run: 'JB_Step' } };
const TIMINGS = { reconcileIntervalMs: 0, heartbeatIntervalMs: 100, heartbeatTimeoutMs: 300 };

/**
 * A job whose BullMQ state went back in time while its instance's did not:
 * after a failover, BullMQ's fetch of the job (not waited for) was lost with
 * the old primary, the instance's start (waited for) survived. The job is
 * then delivered again as if for the first time, to an instance another
 * worker started.
 */
describe('TriggerWorker: a first delivery of a job whose instance another worker started (job state behind the instance)', function () {
  this.timeout(20_000);
  const servers: RestartableRedis[] = [];
  afterEach(async () => {
    await closeBullmq();
    await closeFaultContainers();
    await Promise.all(servers.splice(0).map((server) => server.remove()));
  });

  /** A session whose t_a#0 is `running` (started by "another worker") while its job waits in the queue, never fetched. */
  async function startedElsewhere(): Promise<{ container: Container; manager: TriggerManager; jobId: string; runner: BullMQTaskRunner; prefix: string }> {
    const { container, prefix, runner } = await bullmqContainer({ defaultStorage: 'redis' });
    const manager = await bullmqSession(container, CONFIG);
    await manager.fire('go');
    await manager.storage.withLock(async (tx) => {
      const instance = await tx.instance('t_a#0');
      instance.start();
      tx.put(instance);
    });
    const jobId = BullMQTaskRunner.jobIdFor(prefix, manager.storage.uid, 't_a#0');
    const queue = runner.queue('triggers');
    expect(await queue.getJobState(jobId)).to.equal('waiting');
    return { container, manager, jobId, runner, prefix };
  }

  it('keeps the job active while the worker that started the instance beats, and completes it, running nothing, once that worker recorded the outcome', async () => {
    const { container, manager, jobId, runner, prefix } = await startedElsewhere();
    const redis = container.get<RedisConnection>(TRIGGERS.RedisConnection).redis;
    // The other worker's heartbeat, listing the job (what WorkerHeartbeat writes: server time ms and the jobs held).
    const beat = async (): Promise<void> => {
      const [seconds, micros] = await redis.time();
      await redis.hset(`${prefix}:workers`, 'other-worker', `${Number(seconds) * 1000 + Math.floor(Number(micros) / 1000)}:${JSON.stringify([jobId])}`);
    };
    await beat();
    const beating = setInterval(() => void beat().catch(() => undefined), 50);
    try {
      let completed: Promise<unknown> = Promise.resolve();
      await startWorker(container, TIMINGS, (worker) => (completed = completedJob(worker, 't_a#0')));
      const queue = runner.queue('triggers');
      await waitFor('the job delivered', async () => (await queue.getJobState(jobId)) === 'active');
      // Several heartbeat timeouts: the job must stay active and the instance running while the other worker beats.
      const until = Date.now() + 4 * TIMINGS.heartbeatTimeoutMs;
      while (Date.now() < until) {
        expect(await queue.getJobState(jobId)).to.equal('active');
        expect((await manager.storage.getInstance('t_a#0')).status).to.equal(TaskStatus.Running);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      // The other worker records its outcome.
      await manager.storage.withLock(async (tx) => {
        const instance = await tx.instance('t_a#0');
        instance.setStatus(TaskStatus.Finished);
        tx.put(instance);
      });
      clearInterval(beating);
      const event = (await completed) as { outcome?: TaskStatus };
      expect(event.outcome).to.equal(undefined);
      await waitFor('the job completed', async () => (await queue.getJobState(jobId)) === 'completed');
      const instance = await manager.storage.getInstance('t_a#0');
      expect(instance.status).to.equal(TaskStatus.Finished);
      expect(instance.metadata.exceptionType).to.equal(undefined);
    } finally {
      clearInterval(beating);
    }
  });

  it('fails the instance with WorkerLostError once no live worker claims the job for the heartbeat timeout', async () => {
    const { container, manager, jobId, runner } = await startedElsewhere();
    let failed: Promise<{ error: Error }> = Promise.resolve({ error: new Error('no event') });
    await startWorker(container, TIMINGS, (worker) => (failed = failedJob(worker, (event) => event.jobId === jobId)));
    const event = await failed;
    expect(event.error).to.be.instanceOf(WorkerLostError);
    const instance = await manager.storage.getInstance('t_a#0');
    expect(instance.status).to.equal(TaskStatus.Failed);
    expect(instance.metadata.exceptionType).to.equal('WorkerLostError');
    expect(await runner.queue('triggers').getJobState(jobId)).to.equal('failed');
  });

  it('keeps judging through a storage outage (a restart, a failover) instead of failing the job, and completes it once the other worker recorded the outcome', async () => {
    const server = await RestartableRedis.onFreePort();
    servers.push(server);
    await server.start();
    const { container, prefix } = faultContainer(server.url, { defaultRunner: 'bullmq', defaultStorage: 'redis', operationTimeoutMs: 300 });
    const manager = getManager(container, 'judge-outage');
    await manager.updateConfiguration(CONFIG);
    await manager.fire('go');
    await manager.storage.withLock(async (tx) => {
      const instance = await tx.instance('t_a#0');
      instance.start();
      tx.put(instance);
    });
    const jobId = BullMQTaskRunner.jobIdFor(prefix, 'judge-outage', 't_a#0');
    // The other worker, beating through the outage like a live worker does.
    const other = new Redis(server.port, '127.0.0.1', { maxRetriesPerRequest: 0 });
    other.on('error', () => undefined);
    const beat = async (): Promise<void> => {
      const [seconds, micros] = await other.time();
      await other.hset(`${prefix}:workers`, 'other-worker', `${Number(seconds) * 1000 + Math.floor(Number(micros) / 1000)}:${JSON.stringify([jobId])}`);
    };
    await beat();
    const beating = setInterval(() => void beat().catch(() => undefined), 50);
    const failures: Error[] = [];
    let completed: Promise<JobCompletedEvent> = Promise.reject(new Error('no worker'));
    try {
      await startWorker(container, { ...TIMINGS, lockDurationMs: 10_000 }, (started) => {
        completed = completedJob(started, 't_a#0');
        started.on('failed', (event) => failures.push(event.error));
      });
      const queue = container.get<BullMQTaskRunner>(runnerToken('bullmq')).queue('triggers');
      await waitFor('the job delivered', async () => (await queue.getJobState(jobId)) === 'active');
      await server.stop();
      // The outage's length is part of the fault (not synchronisation): several operation and heartbeat timeouts.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await server.start();
      await onceAvailable('the other worker recording its outcome', () =>
        manager.storage.withLock(async (tx) => {
          const instance = await tx.instance('t_a#0');
          instance.setStatus(TaskStatus.Finished);
          tx.put(instance);
        }),
      );
      clearInterval(beating);
      expect((await completed).outcome).to.equal(undefined);
      expect(failures.map((error) => error.name)).to.deep.equal([]);
      expect((await manager.storage.getInstance('t_a#0')).status).to.equal(TaskStatus.Finished);
    } finally {
      clearInterval(beating);
      other.disconnect();
    }
  });
});
