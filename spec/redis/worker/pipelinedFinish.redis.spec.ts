import { expect } from 'chai';
import { BullMQTaskRunner, Task, TriggerTask } from '../../../src';
import type { JobCompletedEvent, Kwargs, TaskContext } from '../../../src';
import { bullmqContainer, bullmqSession, closeBullmq, declineFinish, startWorker } from '../../support/bullmqFixtures';
import { Gate } from '../../support/bullmqTasks';
import { connectionOf, recordTaken } from '../../support/redisContainers';
import { waitFor } from '../../support/waitFor';

/** Runs of {@link PipelinedGatedTask}, by instance name. */
const runs = new Map<string, number>();

/** Counts its runs, then blocks on the spec's {@link Gate} (when armed) and finishes with its name. */
@TriggerTask({ name: 'PF_GatedCount' })
class PipelinedGatedTask extends Task {
  async run(ctx: TaskContext): Promise<Kwargs> {
    runs.set(ctx.instanceName, (runs.get(ctx.instanceName) ?? 0) + 1);
    if (gated) await Gate.pass();
    return { ran: ctx.instanceName };
  }
}
void PipelinedGatedTask;
let gated = false;

describe('TriggerWorker: a job finishes in one round trip with its BullMQ completion', () => {
  afterEach(async () => {
    gated = false;
    Gate.open();
    await closeBullmq();
  });

  it('sends each finish on the worker connection ahead of the completion, and reports completed once the outcome is recorded', async () => {
    const { container } = await bullmqContainer({ defaultStorage: 'redis' });
    const taken = recordTaken(connectionOf(container), 'takePipelinedFinish');
    const manager = await bullmqSession(container, {
      t_1: { after: ['go'], run: 'PF_GatedCount' },
      t_2: { after: ['t_1'], run: 'PF_GatedCount' },
    });
    const worker = await startWorker(container);
    const statusesAtCompletion: Array<[string, string]> = [];
    const bothCompleted = new Promise<void>((resolve) => {
      worker.on('completed', (event: JobCompletedEvent) => {
        void manager.storage.getInstance(event.payload.instance).then((instance) => {
          statusesAtCompletion.push([instance.name, instance.status]);
          if (statusesAtCompletion.length === 2) resolve();
        });
      });
    });
    await manager.fire('go');
    await bothCompleted;
    expect(taken).to.deep.equal(['t_1#0', 't_2#0']);
    expect(statusesAtCompletion).to.deep.equal([
      ['t_1#0', 'finished'],
      ['t_2#0', 'finished'],
    ]);
    expect((await manager.storage.getInstance('t_2#0')).metadata.result).to.deep.equal({ ran: 't_2#0' });
  });

  it('a finish that declines (lock held elsewhere) keeps BullMQ from completing the job until the outcome is recorded under the lock, then completes it without waiting for the stalled check', async () => {
    const { container, prefix, runner } = await bullmqContainer({ defaultStorage: 'redis' });
    const manager = await bullmqSession(container, { t_gated: { after: ['go'], run: 'PF_GatedCount' } });
    const errors: Error[] = [];
    // Stalled checks far apart: the job can only complete in time if the worker completes it itself.
    const worker = await startWorker(container, { lockDurationMs: 30_000, stalledIntervalMs: 60_000 });
    worker.on('error', (error) => errors.push(error));
    const completedEvents: string[] = [];
    worker.on('completed', (event: JobCompletedEvent) => completedEvents.push(event.payload.instance));
    gated = true;
    Gate.arm();
    await manager.fire('go');
    await Gate.startedPromise;

    // Another process takes the session lock while the task is still running, then lets the task finish.
    const jobId = BullMQTaskRunner.jobIdFor(prefix, manager.storage.uid, 't_gated#0');
    await declineFinish(container, prefix, manager.storage.uid, 't_gated#0', async () => {
      expect((await manager.storage.getInstance('t_gated#0')).status).to.equal('running');
    });

    await waitFor('t_gated#0 finished under the lock', async () => (await manager.storage.getInstance('t_gated#0')).status === 'finished', 10_000);
    const queue = runner.queue('triggers');
    await waitFor('the job completed', async () => (await queue.getJobState(jobId)) === 'completed', 10_000);
    expect(completedEvents).to.deep.equal(['t_gated#0']);
    expect((await queue.getJob(jobId))?.attemptsStarted).to.equal(1);
    expect(runs.get('t_gated#0')).to.equal(1);
    expect((await manager.storage.getInstance('t_gated#0')).metadata.result).to.deep.equal({ ran: 't_gated#0' });
    expect(errors.map((error) => error.message)).to.deep.equal([]);
  });
});
