import { expect } from 'chai';
import { BullMQTaskRunner, Task, TriggerTask } from '../../../src';
import type { Kwargs, TaskContext } from '../../../src';
import { TelemetryAttributes } from '../../../src/telemetry';
import { bullmqContainer, bullmqSession, closeBullmq, completedJob, startWorker } from '../../support/bullmqFixtures';
import { TelemetrySdk, expectCascadeChain, spanOf } from '../../support/telemetrySdk';

@TriggerTask({ name: 'OTW_Ok' })
class TracedTask extends Task {
  run(ctx: TaskContext): Kwargs {
    return { from: ctx.instanceName };
  }
}
void TracedTask;

for (const storage of ['redis', 'memory'] as const) {
  describe(`Tracing across a BullMQ worker (${storage} storage${storage === 'redis' ? ': jobs enqueued by the storage script' : ': jobs enqueued by the runner'})`, () => {
    let sdk: TelemetrySdk;
    before(() => (sdk = TelemetrySdk.install()));
    after(() => sdk.uninstall());
    afterEach(() => closeBullmq());

    it('the job carries the W3C trace context of the fire; the worker\'s spans continue the chain fire → job → task → cascade fire → next job', async () => {
      const { container, prefix, runner } = await bullmqContainer({ defaultStorage: storage });
      const manager = await bullmqSession(container, {
        otw_a: { after: ['go'], run: 'OTW_Ok' },
        otw_b: { after: ['otw_a'], run: 'OTW_Ok' },
      });
      const worker = await startWorker(container);
      const second = completedJob(worker, 'otw_b#0', manager.storage.uid);
      sdk.resetSpans();
      await manager.fire('go');
      await second;
      const spans = sdk.spans();
      const chain = expectCascadeChain(spans, manager.storage.uid, 'go', 'otw_a#0', 'otw_b#0');
      expect(chain.job.attributes[TelemetryAttributes.Queue]).to.equal('triggers');
      const job = await runner.queue('triggers').getJob(BullMQTaskRunner.jobIdFor(prefix, manager.storage.uid, 'otw_a#0'));
      const traceparent = (job?.data as { trace?: { traceparent?: string } } | undefined)?.trace?.traceparent;
      expect(traceparent).to.equal(`00-${chain.fire.spanContext().traceId}-${chain.fire.spanContext().spanId}-01`);
      expect(spanOf(spans, 'triggers.job', TelemetryAttributes.Instance, 'otw_b#0').attributes[TelemetryAttributes.Status]).to.equal('finished');
      // The worker's status changes are counted per task and status.
      const finished = (await sdk.points('triggers.instances')).filter(
        (point) => point.attributes[TelemetryAttributes.Status] === 'finished' && String(point.attributes[TelemetryAttributes.Task]).startsWith('otw_'),
      );
      expect(finished.map((point) => [point.attributes[TelemetryAttributes.Task], point.value]).sort()).to.deep.equal([['otw_a', 1], ['otw_b', 1]]);
    });
  });
}
