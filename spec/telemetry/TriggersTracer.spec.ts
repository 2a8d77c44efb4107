import { expect } from 'chai';
import { SpanStatusCode } from '@opentelemetry/api';
import { Task, TriggerTask } from '../../src';
import type { Kwargs, TaskContext } from '../../src';
import { TelemetryAttributes, TriggersTracer } from '../../src/telemetry';
import { fireAll, newSession } from '../support/fixtures';
import { TelemetrySdk, expectCascadeChain, parentOf, spanOf } from '../support/telemetrySdk';

@TriggerTask({ name: 'OT_Ok' })
class OkTask extends Task {
  run(ctx: TaskContext): Kwargs {
    return { from: ctx.instanceName };
  }
}

@TriggerTask({ name: 'OT_Boom' })
class BoomTask extends Task {
  run(): Kwargs {
    throw new TypeError('boom');
  }
}
void [OkTask, BoomTask];

describe('TriggersTracer and TriggersMetrics with an OpenTelemetry SDK installed (in-process runner)', () => {
  let sdk: TelemetrySdk;
  before(() => (sdk = TelemetrySdk.install()));
  after(() => sdk.uninstall());
  beforeEach(() => sdk.resetSpans());

  it('traces fire → job → task → cascade fire → next job, with the session, trigger, task, instance and outcome', async () => {
    const { manager } = await newSession({
      ot_a: { after: ['go'], run: 'OT_Ok' },
      ot_b: { after: ['ot_a'], run: 'OT_Ok' },
    });
    await fireAll(manager, ['go']);
    const spans = sdk.spans();
    expectCascadeChain(spans, manager.storage.uid, 'go', 'ot_a#0', 'ot_b#0');
    // The last task's finish fires its name too: a cascade that schedules nothing.
    const last = spanOf(spans, 'triggers.fire', TelemetryAttributes.Trigger, 'ot_b');
    expect(parentOf(last)).to.equal(spanOf(spans, 'triggers.task', TelemetryAttributes.Instance, 'ot_b#0').spanContext().spanId);
    expect(last.attributes[TelemetryAttributes.Scheduled]).to.equal(undefined);
  });

  it('records a task failure on its task span (exception event, error status) and the failed outcome on its job span', async () => {
    const { manager } = await newSession({ ot_fail: { after: ['go'], run: 'OT_Boom' } });
    await fireAll(manager, ['go']);
    const spans = sdk.spans();
    const task = spanOf(spans, 'triggers.task', TelemetryAttributes.Instance, 'ot_fail#0');
    expect(task.status.code).to.equal(SpanStatusCode.ERROR);
    expect(task.status.message).to.equal('TypeError: boom');
    expect(task.attributes[TelemetryAttributes.Status]).to.equal('failed');
    const exception = task.events.find((event) => event.name === 'exception');
    expect(exception?.attributes?.['exception.message']).to.equal('boom');
    expect(exception?.attributes?.['exception.type']).to.equal('TypeError');
    const job = spanOf(spans, 'triggers.job', TelemetryAttributes.Instance, 'ot_fail#0');
    expect(job.attributes[TelemetryAttributes.Status]).to.equal('failed');
    expect(job.status.code).to.equal(SpanStatusCode.ERROR);
    // No cascade from a failure.
    expect(spans.filter((span) => span.name === 'triggers.fire' && span.attributes[TelemetryAttributes.Trigger] === 'ot_fail')).to.deep.equal([]);
  });

  it("an operator's skip with cascade is a cascade fire span, parent of the jobs it schedules", async () => {
    const { manager } = await newSession({
      ot_s: { after: ['go'], run: 'OT_Boom' },
      ot_after: { after: ['ot_s'], run: 'OT_Ok' },
    });
    await fireAll(manager, ['go']);
    sdk.resetSpans();
    await manager.skipFailedInstance('ot_s#0', { cascade: true, result: { skipped: true } });
    await fireAll(manager, []);
    const spans = sdk.spans();
    const cascade = spanOf(spans, 'triggers.fire', TelemetryAttributes.Trigger, 'ot_s');
    expect(parentOf(cascade)).to.equal(undefined);
    expect(cascade.attributes[TelemetryAttributes.Cascade]).to.equal(true);
    expect(cascade.attributes[TelemetryAttributes.Scheduled]).to.deep.equal(['ot_after#0']);
    expect(parentOf(spanOf(spans, 'triggers.job', TelemetryAttributes.Instance, 'ot_after#0'))).to.equal(cascade.spanContext().spanId);
  });

  it("a replay is a triggers.replay span of the failed instance, parent of its clone's job", async () => {
    const { manager } = await newSession({ ot_r: { after: ['go'], run: 'OT_Boom' } });
    await fireAll(manager, ['go']);
    sdk.resetSpans();
    await manager.replayFailedInstance('ot_r#0');
    await fireAll(manager, []);
    const spans = sdk.spans();
    const replay = spanOf(spans, 'triggers.replay', TelemetryAttributes.Instance, 'ot_r#0');
    expect(parentOf(replay)).to.equal(undefined);
    expect(replay.attributes[TelemetryAttributes.Session]).to.equal(manager.storage.uid);
    expect(replay.attributes[TelemetryAttributes.Scheduled]).to.deep.equal(['ot_r#1']);
    expect(parentOf(spanOf(spans, 'triggers.job', TelemetryAttributes.Instance, 'ot_r#1'))).to.equal(replay.spanContext().spanId);
  });

  it('counts instances per task and status (triggers.instances) and times task runs (triggers.task.duration)', async () => {
    const { manager } = await newSession({
      ot_m1: { after: ['go'], run: 'OT_Ok' },
      ot_m2: { after: ['go'], run: 'OT_Boom' },
    });
    await fireAll(manager, ['go']);
    const counts = new Map<string, number>();
    for (const point of await sdk.points('triggers.instances')) {
      counts.set(`${String(point.attributes[TelemetryAttributes.Task])}/${String(point.attributes[TelemetryAttributes.Status])}`, point.value as number);
    }
    for (const [key, value] of [['ot_m1/scheduled', 1], ['ot_m1/running', 1], ['ot_m1/finished', 1], ['ot_m2/scheduled', 1], ['ot_m2/running', 1], ['ot_m2/failed', 1]] as const) {
      expect(counts.get(key), key).to.equal(value);
    }
    expect(counts.has('ot_m1/failed')).to.equal(false);
    const durations = (await sdk.points('triggers.task.duration')).filter((point) => point.attributes[TelemetryAttributes.Task] === 'ot_m1');
    expect(durations).to.have.length(1);
    expect(durations[0].attributes[TelemetryAttributes.Status]).to.equal('finished');
    expect((durations[0].value as { count: number }).count).to.equal(1);
  });

  it('builds no trace carrier outside a recording span', () => {
    expect(TriggersTracer.carrier()).to.equal(undefined);
  });
});

describe('TriggersTracer without an SDK (the API is a no-op)', () => {
  it('carries no trace context in job payloads and runs the chain as before', async () => {
    const { manager } = await newSession({ ot_n: { after: ['go'], run: 'OT_Ok' } });
    let carrier: unknown = 'unset';
    await TriggersTracer.inFire(manager.storage.uid, 'probe', false, async (span) => {
      expect(span.isRecording()).to.equal(false);
      carrier = TriggersTracer.carrier();
    });
    expect(carrier).to.equal(undefined);
    await fireAll(manager, ['go']);
    expect((await manager.storage.getInstance('ot_n#0')).status).to.equal('finished');
  });
});
