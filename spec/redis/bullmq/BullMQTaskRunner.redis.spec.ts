import { createHash } from 'node:crypto';
import { expect } from 'chai';
import {
  BullMQTaskRunner,
  MalformedJobError,
  RunnerConfigurationError,
  TaskStatus,
  UnknownManagerError,
  UnknownTaskError,
  createTriggersContainer,
  payloadFor,
} from '../../../src';
import type { QueueRouter } from '../../../src';
import { expectInstance } from '../../../src/testing';
import { bullmqContainer, bullmqSession, closeBullmq, completedJob, failedJob, startWorker } from '../../support/bullmqFixtures';
import { Gate, countedRuns, runKey } from '../../support/bullmqTasks';
import { sharedRedis, uniquePrefix } from '../../support/sharedRedis';

describe('BullMQTaskRunner', () => {
  afterEach(closeBullmq);

  describe('job ids', () => {
    it('derives one deterministic id per (prefix, uid, instance)', () => {
      const id = BullMQTaskRunner.jobIdFor('app', 'survey-1', 't_a#0');
      expect(BullMQTaskRunner.jobIdFor('app', 'survey-1', 't_a#0')).to.equal(id);
      expect(BullMQTaskRunner.jobIdFor('other', 'survey-1', 't_a#0')).to.not.equal(id);
      expect(BullMQTaskRunner.jobIdFor('app', 'survey-2', 't_a#0')).to.not.equal(id);
      expect(BullMQTaskRunner.jobIdFor('app', 'survey-1', 't_a#1')).to.not.equal(id);
    });

    it('is "i-" and the hex SHA-1 of the JSON triple, which a Redis script computes the same way (redis.sha1hex)', () => {
      for (const [prefix, uid, instance] of [['app', 'survey-1', 't_a#0'], ['p', '\ud800 ünï©ødé 🎉', 't#12']]) {
        const expected = `i-${createHash('sha1').update(JSON.stringify([prefix, uid, instance])).digest('hex')}`;
        expect(BullMQTaskRunner.jobIdFor(prefix, uid, instance)).to.equal(expected);
      }
    });

    it('is safe and distinct for hostile uids (colons, braces, unicode, lone surrogates, 1 KB)', () => {
      const uids = ['a:b', 'a', 'a:b:c', '{slot}', ' spaced uid ', 'ünï©ødé 🎉', '\ud800', '\ud801', 'x'.repeat(1024), '1', '12'];
      const ids = uids.map((uid) => BullMQTaskRunner.jobIdFor('p', uid, 't#0'));
      expect(new Set(ids).size).to.equal(uids.length);
      for (const id of ids) {
        expect(id).to.not.include(':');
        expect(String(Number.parseInt(id, 10))).to.not.equal(id);
      }
    });

    it('queues one job when the same instance is scheduled twice, and the task runs once', async () => {
      const { container, prefix, runner } = await bullmqContainer();
      const manager = await bullmqSession(container, { t_count: { after: ['go'], run: 'BMQ_Count' } }, 'dedupe: {uid} ✓');
      await manager.fire('go');
      const instance = await expectInstance(manager, 't_count#0').scheduled();
      await runner.run(manager, instance);
      await runner.run(manager, instance);

      const queue = runner.queue('triggers');
      expect(await queue.getJobCounts('waiting', 'delayed')).to.deep.equal({ waiting: 1, delayed: 0 });
      const job = await queue.getJob(BullMQTaskRunner.jobIdFor(prefix, manager.storage.uid, 't_count#0'));
      expect(job?.data).to.deep.include({ uid: manager.storage.uid, instance: 't_count#0', manager: 'default', storage: 'memory', depth: 0 });

      const worker = await startWorker(container);
      await completedJob(worker, 't_count#0');
      await expectInstance(manager, 't_count#0').finished({ ran: 't_count#0' });
      expect(countedRuns.get(runKey(manager.storage.uid, 't_count#0'))).to.equal(1);
    });
  });

  describe('delay and depth', () => {
    it('delays the job of a retried instance by its cooldown and carries its depth', async () => {
      const { container, prefix, runner } = await bullmqContainer();
      const manager = await bullmqSession(container, { t_retry: { after: ['go'], run: 'BMQ_RetryLater' } });
      const worker = await startWorker(container);
      const done = completedJob(worker, 't_retry#0');
      await manager.fire('go');
      await done;

      await expectInstance(manager, 't_retry#0').replayed();
      const clone = await expectInstance(manager, 't_retry#1').scheduled();
      expect(clone.depth).to.equal(1);
      expect(clone.cooldown).to.equal(30);
      const job = await runner.queue('triggers').getJob(BullMQTaskRunner.jobIdFor(prefix, manager.storage.uid, 't_retry#1'));
      expect(job?.opts.delay).to.equal(30_000);
      expect(job?.data.depth).to.equal(1);
      expect(job?.attemptsMade, 'the attempt counter reflects the depth').to.equal(1);
      expect(await job?.getState()).to.equal('delayed');
    });

    it("counts a replay's ancestors as attempts of its job: attemptsMade is depth + 1 once it ran", async () => {
      const { container, prefix, runner } = await bullmqContainer();
      const manager = await bullmqSession(container, { t_fail: { after: ['go'], run: 'FailingTask' } });
      const worker = await startWorker(container);
      const first = completedJob(worker, 't_fail#0');
      await manager.fire('go');
      await first;
      for (const [failed, next] of [['t_fail#0', 't_fail#1'], ['t_fail#1', 't_fail#2']]) {
        const ran = completedJob(worker, next);
        await manager.replayFailedInstance(failed);
        await ran;
      }
      await expectInstance(manager, 't_fail#2').failed('DeliberateFailure');
      const attempts = await Promise.all(
        ['t_fail#0', 't_fail#1', 't_fail#2'].map(async (name) => (await runner.queue('triggers').getJob(BullMQTaskRunner.jobIdFor(prefix, manager.storage.uid, name)))?.attemptsMade),
      );
      expect(attempts).to.deep.equal([1, 2, 3]);
    });
  });

  describe('queue routing', () => {
    const router: QueueRouter = (instance) => (instance.taskName.startsWith('t_routed') ? 'router-q' : undefined);
    const config = {
      t_default: { after: ['go'], run: 'BMQ_Count' },
      t_class: { after: ['go'], run: 'BMQ_ClassQueue' },
      t_routed: { after: ['go'], run: 'BMQ_ClassQueue' },
      t_routed_configured: { after: ['go'], run: 'BMQ_ClassQueue', queue: 'config-q' },
    };

    it('sends a job to the configuration queue, else the router, else the task class queue, else "triggers"', async () => {
      const { container, prefix, runner } = await bullmqContainer({ queueRouter: router });
      const manager = await bullmqSession(container, config);
      await manager.fire('go');
      const expected: Record<string, string> = {
        't_default#0': 'triggers',
        't_class#0': 'class-q',
        't_routed#0': 'router-q',
        't_routed_configured#0': 'config-q',
      };
      for (const [instance, queueName] of Object.entries(expected)) {
        const jobId = BullMQTaskRunner.jobIdFor(prefix, manager.storage.uid, instance);
        const where = [];
        for (const name of ['triggers', 'class-q', 'router-q', 'config-q']) {
          if ((await runner.queue(name).getJob(jobId)) !== undefined) where.push(name);
        }
        expect(where, instance).to.deep.equal([queueName]);
      }
    });

    it('uses the defaultQueue option when nothing routes the instance', async () => {
      const { container, prefix, runner } = await bullmqContainer({ bullmq: { defaultQueue: 'fallback' } });
      const manager = await bullmqSession(container, { t_a: { after: ['go'], run: 'BMQ_Count' } });
      await manager.fire('go');
      const jobId = BullMQTaskRunner.jobIdFor(prefix, manager.storage.uid, 't_a#0');
      expect(await runner.queue('fallback').getJob(jobId)).to.not.equal(undefined);
      expect(await runner.queue('triggers').getJob(jobId)).to.equal(undefined);
    });

    it('fails the instance with RunnerConfigurationError when a queue name contains ":"', async () => {
      const { container } = await bullmqContainer();
      const manager = await bullmqSession(container, { t_bad: { after: ['go'], run: 'BMQ_Count', queue: 'a:b' } });
      await manager.fire('go');
      const failed = await expectInstance(manager, 't_bad#0').failed(RunnerConfigurationError);
      expect(failed.metadata.exceptionInfo).to.include('"a:b"');
    });
  });

  describe('synchronous modes', () => {
    for (const mode of ['inline', 'waitForCompletion'] as const) {
      it(`refuses "${mode}" with a RunnerConfigurationError explaining the deadlock, and fire saves nothing`, async () => {
        const refusing = createTriggersContainer({
          redis: (await sharedRedis()).url,
          prefix: uniquePrefix('bmq-refuse'),
          defaultStorage: 'memory',
          bullmq: { [mode]: true },
        });
        const manager = await bullmqSession(refusing, { t_a: { after: ['go'], run: 'BMQ_Count' } });
        let error: unknown;
        try {
          await manager.fire('go', { page: 1 });
        } catch (caught) {
          error = caught;
        }
        expect(error).to.be.instanceOf(RunnerConfigurationError);
        expect((error as Error).message).to.match(/deadlock/).and.to.include(mode);
        await expectInstance(manager, 't_a#0').missing();
        expect(await manager.storage.getLatestKwargs()).to.deep.equal({});
      });
    }
  });

  describe('TriggerWorker', () => {
    it('runs a task named in a job whose run is not registered as failed with UnknownTaskError', async () => {
      const { container } = await bullmqContainer();
      const manager = await bullmqSession(container, { t_ghost: { after: ['go'], run: 'BMQ_NotRegistered' } });
      const worker = await startWorker(container);
      const done = completedJob(worker, 't_ghost#0');
      await manager.fire('go');
      await done;
      const failed = await expectInstance(manager, 't_ghost#0').failed(UnknownTaskError);
      expect(failed.metadata.exceptionInfo).to.include('BMQ_NotRegistered');
    });

    it('fails a malformed, forged or unknown payload without retry, touches no instance, and keeps working', async () => {
      const { container, runner, prefix } = await bullmqContainer();
      const manager = await bullmqSession(container, {
        t_parked: { after: ['go'], run: 'BMQ_Count', queue: 'parked' },
        t_parked2: { after: ['go'], run: 'BMQ_Count', queue: 'parked' },
        t_good: { after: ['later'], run: 'BMQ_Count' },
      });
      await manager.fire('go');
      const parked = await expectInstance(manager, 't_parked#0').scheduled();
      const base = payloadFor(manager, parked);
      const worker = await startWorker(container);
      const queue = runner.queue('triggers');
      const idOf = (instance: string): string => BullMQTaskRunner.jobIdFor(prefix, manager.storage.uid, instance);

      const missingManager = failedJob(worker, (e) => e.jobId === idOf('t_parked#0'));
      await queue.add('bad', { ...base, manager: undefined } as never, { jobId: idOf('t_parked#0') });
      const first = await missingManager;
      expect(first.error).to.be.instanceOf(MalformedJobError);
      expect(first.failedInstance).to.equal(undefined);

      const unknownManager = failedJob(worker, (e) => e.jobId === idOf('t_parked2#0'));
      await queue.add('bad', { ...base, instance: 't_parked2#0', manager: 'nope' }, { jobId: idOf('t_parked2#0') });
      const second = await unknownManager;
      expect(second.error).to.be.instanceOf(UnknownManagerError);
      expect(second.failedInstance).to.equal(undefined);

      for (const [jobId, data, reason] of [
        ['bad-null', null, 'MalformedJobError'],
        ['bad-string', 'rm -rf /', 'MalformedJobError'],
        ['bad-storage', { ...base, storage: 'nope' }, 'ForgedJobError'],
        ['bad-instance', { ...base, instance: 'no_such#0' }, 'ForgedJobError'],
      ] as const) {
        const failed = failedJob(worker, (e) => e.jobId === jobId);
        await queue.add('bad', data as never, { jobId });
        const event = await failed;
        expect(event.failedInstance, jobId).to.equal(undefined);
        const job = await queue.getJob(jobId);
        expect(await job?.getState(), jobId).to.equal('failed');
        expect(job?.attemptsStarted, jobId).to.equal(1);
        expect(job?.failedReason, jobId).to.match(new RegExp(`^${reason}: `));
      }

      const good = completedJob(worker, 't_good#0');
      await manager.fire('later');
      await good;
      await expectInstance(manager, 't_good#0').finished();
      await expectInstance(manager, 't_parked#0').scheduled();
      await expectInstance(manager, 't_parked2#0').scheduled();
    });

    it('finishes in-flight tasks on close() before resolving', async () => {
      const { container } = await bullmqContainer();
      const manager = await bullmqSession(container, { t_gated: { after: ['go'], run: 'BMQ_Gated' } });
      const worker = await startWorker(container);
      Gate.arm();
      await manager.fire('go');
      await Gate.startedPromise;
      await expectInstance(manager, 't_gated#0').status(TaskStatus.Running);

      let closed = false;
      const closing = worker.close().then(() => (closed = true));
      await manager.storage.getInstance('t_gated#0');
      expect(closed).to.equal(false);
      Gate.open();
      await closing;
      await expectInstance(manager, 't_gated#0').finished({ gated: true });
    });
  });
});
