import { expect } from 'chai';
import { BullMQTaskRunner, ForgedJobError, MalformedJobError, UnknownManagerError, UnknownStorageError } from '../../../src';
import type { JobFailedEvent, TriggerManager } from '../../../src';
import { expectInstance } from '../../../src/testing';
import { bullmqContainer, bullmqSession, closeBullmq, completedJob, failedJob, startWorker } from '../../support/bullmqFixtures';
import '../../support/bullmqTasks';

describe('faults: forged jobs', function () {
  this.timeout(30_000);
  afterEach(closeBullmq);

  it('fails every job that is not its instance’s own, touches no session, and the genuine jobs still run', async () => {
    const { container, runner, prefix } = await bullmqContainer({ defaultStorage: 'redis' });
    const parkedTasks = ['t_wrongId', 't_five', 't_nope', 't_storage', 't_other'];
    const config = Object.fromEntries(parkedTasks.map((task) => [task, { after: ['go'], run: 'BMQ_Count', queue: 'parked' }]));
    const mine = await bullmqSession(container, { ...config, t_good: { after: ['later'], run: 'BMQ_Count' } });
    const theirs = await bullmqSession(container, config);
    await mine.fire('go');
    await theirs.fire('go');
    const idOf = (manager: TriggerManager, instance: string): string => BullMQTaskRunner.jobIdFor(prefix, manager.storage.uid, instance);
    const parked = runner.queue('parked');
    /** The genuine job's data (with the hints the storage's script wrote) and the instance's stored record. */
    const genuine = async (manager: TriggerManager, task: string): Promise<{ data: Record<string, unknown>; record: unknown }> => {
      const job = await parked.getJob(idOf(manager, `${task}#0`));
      expect(job, `genuine job of ${task}`).to.not.equal(undefined);
      const instance = await expectInstance(manager, `${task}#0`).scheduled();
      return { data: job?.data as unknown as Record<string, unknown>, record: instance.toRecord() };
    };
    const before = new Map<string, unknown>();
    for (const task of parkedTasks) {
      before.set(`mine ${task}`, (await genuine(mine, task)).record);
      before.set(`theirs ${task}`, (await genuine(theirs, task)).record);
    }

    const worker = await startWorker(container);
    const queue = runner.queue('triggers');
    const forged: Array<{ jobId: string; data: unknown; error: new (...args: never[]) => Error; message?: RegExp }> = [
      { jobId: 'i-0000', data: (await genuine(mine, 't_wrongId')).data, error: ForgedJobError, message: /not the job id/ },
      { jobId: idOf(mine, 't_five#0'), data: { ...(await genuine(mine, 't_five')).data, manager: 5 }, error: MalformedJobError, message: /"manager"/ },
      { jobId: idOf(mine, 't_nope#0'), data: { ...(await genuine(mine, 't_nope')).data, manager: 'nope' }, error: UnknownManagerError },
      { jobId: idOf(mine, 't_storage#0'), data: { ...(await genuine(mine, 't_storage')).data, storage: 'nope' }, error: UnknownStorageError },
      { jobId: 'forged-array', data: [mine.storage.uid, 't_wrongId#0'], error: MalformedJobError, message: /an array/ },
      // The id of my instance, the payload (and its hints) naming theirs.
      { jobId: idOf(mine, 't_other#0'), data: (await genuine(theirs, 't_other')).data, error: ForgedJobError, message: /not the job id/ },
    ];
    for (const { jobId, data, error, message } of forged) {
      const failed: Promise<JobFailedEvent> = failedJob(worker, (event) => event.jobId === jobId);
      await queue.add('BMQ_Count', data as never, { jobId });
      const event = await failed;
      expect(event.error, jobId).to.be.instanceOf(error);
      if (message !== undefined) expect(event.error.message, jobId).to.match(message);
      expect(event.failedInstance, jobId).to.equal(undefined);
      expect(await (await queue.getJob(jobId))?.getState(), jobId).to.equal('failed');
    }

    for (const task of parkedTasks) {
      const [mineNow, theirsNow] = [await expectInstance(mine, `${task}#0`).scheduled(), await expectInstance(theirs, `${task}#0`).scheduled()];
      expect(mineNow.toRecord(), `mine ${task}`).to.deep.equal(before.get(`mine ${task}`));
      expect(theirsNow.toRecord(), `theirs ${task}`).to.deep.equal(before.get(`theirs ${task}`));
    }

    const good = completedJob(worker, 't_good#0');
    await mine.fire('later');
    await good;
    await expectInstance(mine, 't_good#0').finished();

    let genuineDone: Promise<unknown> = Promise.resolve();
    await startWorker(container, { queues: ['parked'] }, (parkedWorker) => {
      genuineDone = Promise.all(
        parkedTasks.flatMap((task) => [completedJob(parkedWorker, `${task}#0`, mine.storage.uid), completedJob(parkedWorker, `${task}#0`, theirs.storage.uid)]),
      );
    });
    await genuineDone;
    for (const task of parkedTasks) {
      await expectInstance(mine, `${task}#0`).finished();
      await expectInstance(theirs, `${task}#0`).finished();
    }
  });
});
