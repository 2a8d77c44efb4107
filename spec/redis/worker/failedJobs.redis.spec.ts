import { expect } from 'chai';
import { BullMQTaskRunner, Task, TriggerTask } from '../../../src';
import type { JobCompletedEvent, Kwargs, TaskContext, TriggerManager } from '../../../src';
import { bullmqContainer, bullmqSession, closeBullmq, completedJob, declineFinish, startWorker } from '../../support/bullmqFixtures';
import { Gate } from '../../support/bullmqTasks';
import { waitFor } from '../../support/waitFor';

/** An application error class: its name is what the job's failedReason starts with. */
class ValueError extends Error {}

/** Runs of the spec's tasks, by instance name. */
const runs = new Map<string, number>();
let gated = false;

function ran(ctx: TaskContext): void {
  runs.set(`${ctx.uid}/${ctx.instanceName}`, (runs.get(`${ctx.uid}/${ctx.instanceName}`) ?? 0) + 1);
}

@TriggerTask({ name: 'FJ_Boom' })
class BoomTask extends Task {
  async run(ctx: TaskContext): Promise<Kwargs> {
    ran(ctx);
    if (gated) await Gate.pass();
    throw new ValueError('boom');
  }
}

@TriggerTask({ name: 'FJ_Fine' })
class FineTask extends Task {
  run(ctx: TaskContext): Kwargs {
    ran(ctx);
    return { ok: true };
  }
}

@TriggerTask({ name: 'FJ_Skip' })
class SkipTask extends Task {
  run(ctx: TaskContext): Kwargs {
    ran(ctx);
    throw this.skip({ why: 'nothing to do' });
  }
}

@TriggerTask({ name: 'FJ_RetryOnce', maxRetries: 1 })
class RetryOnceTask extends Task {
  run(ctx: TaskContext): Kwargs {
    ran(ctx);
    if ((this.instance?.depth ?? 0) === 0) throw this.retry({ error: new ValueError('try again') });
    return { second: true };
  }
}
void [BoomTask, FineTask, SkipTask, RetryOnceTask];

const CONFIG = {
  t_boom: { after: ['go'], run: 'FJ_Boom' },
  t_fine: { after: ['go'], run: 'FJ_Fine' },
};

/** Waits for the worker's `'completed'` events of `instances` (any order). */
function completedAll(worker: import('../../../src').TriggerWorker, instances: string[]): Promise<Map<string, JobCompletedEvent>> {
  return new Promise((resolve) => {
    const seen = new Map<string, JobCompletedEvent>();
    worker.on('completed', (event) => {
      if (!instances.includes(event.payload.instance)) return;
      seen.set(event.payload.instance, event);
      if (seen.size === instances.length) resolve(seen);
    });
  });
}

async function expectFailedJob(runner: BullMQTaskRunner, prefix: string, manager: TriggerManager, instance: string): Promise<void> {
  const queue = runner.queue('triggers');
  const jobId = BullMQTaskRunner.jobIdFor(prefix, manager.storage.uid, instance);
  await waitFor(`the job of ${instance} failed`, async () => (await queue.getJobState(jobId)) === 'failed');
  // A job fails only once its instance's failure is recorded.
  const stored = await manager.storage.getInstance(instance);
  expect(stored.status).to.equal('failed');
  expect(stored.metadata.exceptionType).to.equal('ValueError');
  const job = await queue.getJob(jobId);
  expect(job?.failedReason).to.equal('ValueError: boom');
  expect(job?.attemptsMade).to.equal(1);
  // The task's own stack, not the worker's.
  expect(job?.stacktrace?.[0]).to.contain('boom').and.to.contain('BoomTask.run');
  expect((await queue.getFailed()).map((failed) => failed.id)).to.include(jobId);
  expect(runs.get(`${manager.storage.uid}/${instance}`)).to.equal(1);
}

for (const storage of ['redis', 'memory'] as const) {
  describe(`TriggerWorker: a failed instance's BullMQ job fails (${storage} storage${storage === 'redis' ? ', pipelined finish' : ''})`, () => {
    afterEach(async () => {
      gated = false;
      Gate.open();
      await closeBullmq();
    });

    it('fails the job with failedReason "<type>: <message>", not retried; a succeeded one completes; the event says the outcome', async () => {
      const { container, prefix, runner } = await bullmqContainer({ defaultStorage: storage });
      const manager = await bullmqSession(container, CONFIG);
      const worker = await startWorker(container);
      const failedEvents: unknown[] = [];
      worker.on('failed', (event) => failedEvents.push(event));
      const events = completedAll(worker, ['t_boom#0', 't_fine#0']);
      await manager.fire('go');
      const completed = await events;
      expect(completed.get('t_boom#0')?.outcome).to.equal('failed');
      expect(completed.get('t_fine#0')?.outcome).to.equal('finished');
      await expectFailedJob(runner, prefix, manager, 't_boom#0');
      const queue = runner.queue('triggers');
      const fineId = BullMQTaskRunner.jobIdFor(prefix, manager.storage.uid, 't_fine#0');
      expect(await queue.getJobState(fineId)).to.equal('completed');
      expect((await queue.getJob(fineId))?.failedReason ?? undefined).to.equal(undefined);
      // What BullMQ's own Prometheus export (and bull-board's counts) report for the queue.
      const prometheus = await queue.exportPrometheusMetrics();
      expect(prometheus).to.contain('bullmq_job_count{queue="triggers", state="failed"} 1');
      expect(prometheus).to.contain('bullmq_job_count{queue="triggers", state="completed"} 1');
      // The 'failed' event is for jobs that could not be run, not for tasks that failed.
      expect(failedEvents).to.deep.equal([]);
    });

    it('completes the job of a skipped instance and of one that asked for a retry (the framework retries, as a new instance)', async () => {
      const { container, prefix, runner } = await bullmqContainer({ defaultStorage: storage });
      const manager = await bullmqSession(container, {
        t_skip: { after: ['go'], run: 'FJ_Skip' },
        t_retry: { after: ['go'], run: 'FJ_RetryOnce' },
      });
      const worker = await startWorker(container);
      const events = completedAll(worker, ['t_skip#0', 't_retry#0', 't_retry#1']);
      await manager.fire('go');
      const completed = await events;
      expect(completed.get('t_skip#0')?.outcome).to.equal('skipped');
      expect(completed.get('t_retry#0')?.outcome).to.equal('replayed');
      expect(completed.get('t_retry#1')?.outcome).to.equal('finished');
      const queue = runner.queue('triggers');
      for (const instance of ['t_skip#0', 't_retry#0', 't_retry#1']) {
        expect(await queue.getJobState(BullMQTaskRunner.jobIdFor(prefix, manager.storage.uid, instance)), instance).to.equal('completed');
      }
      expect(await queue.getFailedCount()).to.equal(0);
    });
  });
}

describe("TriggerWorker: a failed instance's job, around the finish and the reconciliation", () => {
  afterEach(async () => {
    gated = false;
    Gate.open();
    await closeBullmq();
  });

  it('a failure whose pipelined finish declined (lock held elsewhere) is recorded under the lock, then the job fails', async () => {
    const { container, prefix, runner } = await bullmqContainer({ defaultStorage: 'redis' });
    const manager = await bullmqSession(container, { t_boom: { after: ['go'], run: 'FJ_Boom' } });
    const errors: Error[] = [];
    const worker = await startWorker(container, { lockDurationMs: 30_000, stalledIntervalMs: 60_000 });
    worker.on('error', (error) => errors.push(error));
    const done = completedJob(worker, 't_boom#0');
    gated = true;
    Gate.arm();
    await manager.fire('go');
    await Gate.startedPromise;

    const jobId = BullMQTaskRunner.jobIdFor(prefix, manager.storage.uid, 't_boom#0');
    await declineFinish(container, prefix, manager.storage.uid, 't_boom#0', async () => {
      expect(await runner.queue('triggers').getJobState(jobId)).to.equal('active');
    });
    expect((await done).outcome).to.equal('failed');
    await expectFailedJob(runner, prefix, manager, 't_boom#0');
    expect(errors.map((error) => error.message)).to.deep.equal([]);
  });

  it('the reconciliation leaves a failed job whose instance is recorded failed alone (no re-enqueue, no JobGoneError)', async () => {
    const { container, prefix, runner } = await bullmqContainer({ defaultStorage: 'redis' });
    const manager = await bullmqSession(container, CONFIG);
    const worker = await startWorker(container, { reconcileIntervalMs: 0, reconcileGraceMs: 0 });
    const events = completedAll(worker, ['t_boom#0', 't_fine#0']);
    await manager.fire('go');
    await events;
    await expectFailedJob(runner, prefix, manager, 't_boom#0');
    const report = await worker.reconcile();
    expect(report.reenqueued).to.deep.equal([]);
    expect(report.failed).to.deep.equal([]);
    expect(report.errors).to.deep.equal([]);
    const jobId = BullMQTaskRunner.jobIdFor(prefix, manager.storage.uid, 't_boom#0');
    expect(await runner.queue('triggers').getJobState(jobId)).to.equal('failed');
    expect((await manager.storage.getInstance('t_boom#0')).status).to.equal('failed');
    expect(runs.get(`${manager.storage.uid}/t_boom#0`)).to.equal(1);
  });
});
