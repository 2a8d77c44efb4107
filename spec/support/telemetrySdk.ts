import { expect } from 'chai';
import { SpanKind, context, metrics, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { DataPointType, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { DataPoint, Histogram } from '@opentelemetry/sdk-metrics';
import { TelemetryAttributes } from '../../src/telemetry';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

/** A metric reader that collects on demand (the spec reads what was recorded so far). */
class CollectingReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

/**
 * A real OpenTelemetry SDK installed as the process's global one, as an
 * application would: an in-memory span exporter behind a
 * `BasicTracerProvider`, the AsyncLocalStorage context manager, the W3C
 * trace context propagator, and a `MeterProvider` read on demand.
 * {@link uninstall} puts the API's no-ops back.
 */
export class TelemetrySdk {
  private readonly exporter = new InMemorySpanExporter();
  private readonly reader = new CollectingReader();
  private readonly tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(this.exporter)] });
  private readonly meterProvider = new MeterProvider({ readers: [this.reader] });
  private readonly contextManager = new AsyncLocalStorageContextManager();

  static install(): TelemetrySdk {
    const sdk = new TelemetrySdk();
    context.setGlobalContextManager(sdk.contextManager.enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(sdk.tracerProvider);
    metrics.setGlobalMeterProvider(sdk.meterProvider);
    return sdk;
  }

  /** The spans ended so far. */
  spans(): ReadableSpan[] {
    return this.exporter.getFinishedSpans();
  }

  /** Forgets the spans ended so far. */
  resetSpans(): void {
    this.exporter.reset();
  }

  /** The data points of metric `name` recorded so far (cumulative). */
  async points(name: string): Promise<Array<DataPoint<number | Histogram>>> {
    const { resourceMetrics } = await this.reader.collect();
    const found = resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics).filter((metric) => metric.descriptor.name === name);
    return found.flatMap((metric) => (metric.dataPointType === DataPointType.SUM || metric.dataPointType === DataPointType.HISTOGRAM ? metric.dataPoints : []) as Array<DataPoint<number | Histogram>>);
  }

  async uninstall(): Promise<void> {
    await this.tracerProvider.shutdown();
    await this.meterProvider.shutdown();
    trace.disable();
    metrics.disable();
    propagation.disable();
    context.disable();
  }
}

/** The span's parent span id (undefined for a root span). */
export function parentOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}

/** The one span called `name` whose attribute `key` is `value`. */
export function spanOf(spans: ReadableSpan[], name: string, key: string, value: unknown): ReadableSpan {
  const found = spans.filter((span) => span.name === name && span.attributes[key] === value);
  expect(found, `${name} with ${key}=${String(value)} among ${spans.map((span) => `${span.name}(${JSON.stringify(span.attributes)})`).join(', ')}`).to.have.length(1);
  return found[0];
}

/**
 * Asserts the chain fire → job → task → cascade fire → job of the next task
 * for `first` cascading into `second` after the root fire of `trigger` in
 * session `uid`, and returns the spans by role.
 */
export function expectCascadeChain(spans: ReadableSpan[], uid: string, trigger: string, first: string, second: string): Record<string, ReadableSpan> {
  const fire = spans.find((span) => span.name === 'triggers.fire' && span.attributes[TelemetryAttributes.Trigger] === trigger && span.attributes[TelemetryAttributes.Session] === uid);
  expect(fire, `a fire span of ${trigger}`).not.to.equal(undefined);
  const root = fire as ReadableSpan;
  expect(parentOf(root)).to.equal(undefined);
  expect(root.attributes[TelemetryAttributes.Cascade]).to.equal(false);
  expect(root.attributes[TelemetryAttributes.Scheduled]).to.include(first);
  const job = spanOf(spans, 'triggers.job', TelemetryAttributes.Instance, first);
  const task = spanOf(spans, 'triggers.task', TelemetryAttributes.Instance, first);
  const cascade = spanOf(spans, 'triggers.fire', TelemetryAttributes.Trigger, first.slice(0, first.indexOf('#')));
  const nextJob = spanOf(spans, 'triggers.job', TelemetryAttributes.Instance, second);
  const nextTask = spanOf(spans, 'triggers.task', TelemetryAttributes.Instance, second);
  for (const span of [job, task, cascade, nextJob, nextTask]) expect(span.spanContext().traceId, span.name).to.equal(root.spanContext().traceId);
  expect(parentOf(job), 'job ← fire').to.equal(root.spanContext().spanId);
  expect(parentOf(task), 'task ← job').to.equal(job.spanContext().spanId);
  expect(parentOf(cascade), 'cascade fire ← task').to.equal(task.spanContext().spanId);
  expect(parentOf(nextJob), 'next job ← cascade fire').to.equal(cascade.spanContext().spanId);
  expect(parentOf(nextTask), 'next task ← next job').to.equal(nextJob.spanContext().spanId);
  expect(job.kind).to.equal(SpanKind.CONSUMER);
  expect(cascade.attributes[TelemetryAttributes.Cascade]).to.equal(true);
  expect(cascade.attributes[TelemetryAttributes.Scheduled]).to.deep.equal([second]);
  for (const span of [job, task]) {
    expect(span.attributes[TelemetryAttributes.Session]).to.equal(uid);
    expect(span.attributes[TelemetryAttributes.Task]).to.equal(first.slice(0, first.indexOf('#')));
    expect(span.attributes[TelemetryAttributes.Status]).to.equal('finished');
  }
  return { fire: root, job, task, cascade, nextJob, nextTask };
}
