import { expect } from 'chai';
import { BullMQTaskRunner, Task, TriggerTask } from '../../../src';
import type { Kwargs, TaskContext } from '../../../src';
import { bullmqContainer, bullmqSession, closeBullmq, completedJob, startWorker } from '../../support/bullmqFixtures';

@TriggerTask({ name: 'PRG_Steps' })
export class ProgressSteps extends Task {
  async run(ctx: TaskContext): Promise<Kwargs> {
    await ctx.progress(30);
    await ctx.progress({ done: 2, of: 3 });
    return {};
  }
}

describe('redis/worker: progress a task reports', () => {
  afterEach(closeBullmq);

  it('is recorded on the instance and on its BullMQ job', async () => {
    const { container, prefix, runner } = await bullmqContainer({ defaultStorage: 'redis' });
    const manager = await bullmqSession(container, { t_a: { after: ['go'], run: 'PRG_Steps' } });
    const worker = await startWorker(container);
    const completed = completedJob(worker, 't_a#0', manager.storage.uid);
    await manager.fire('go');
    await completed;
    expect((await manager.storage.getInstance('t_a#0')).metadata.progress).to.deep.equal({ done: 2, of: 3 });
    const job = await runner.queue('triggers').getJob(BullMQTaskRunner.jobIdFor(prefix, manager.storage.uid, 't_a#0'));
    expect(job?.progress).to.deep.equal({ done: 2, of: 3 });
  });
});
