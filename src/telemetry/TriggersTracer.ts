import { INVALID_SPAN_CONTEXT, ProxyTracerProvider, ROOT_CONTEXT, SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import type { Attributes, Context, Span, Tracer, TracerProvider } from '@opentelemetry/api';
import { TelemetryAttributes } from './TelemetryAttributes';
import { packageVersion } from './packageVersion';

/** A W3C trace context carrier (`traceparent`, `tracestate`) as a job's data carries it. */
export type TraceCarrier = Record<string, string>;

/**
 * The framework's OpenTelemetry spans, through `@opentelemetry/api` only: a
 * no-op until the application installs an SDK. Attributes and carriers are
 * only built for spans that record.
 *
 * - `triggers.fire` (a fire, or the cascade a finished task fires);
 * - `triggers.job` (a job's execution: start, task, outcome), child of the
 *   fire that scheduled it through the trace context the job carries;
 * - `triggers.task` (the task's run and its outcome recorded: the cascade
 *   fires are its children).
 */
export class TriggersTracer {
  private static provider?: TracerProvider;
  private static cached?: Tracer;

  /** Whether an application installed a tracer provider (the global one is not the API's no-op). */
  private static sdkInstalled(): boolean {
    const provider = trace.getTracerProvider();
    return !(provider instanceof ProxyTracerProvider) || provider.getDelegate() !== NOOP_TRACER_PROVIDER;
  }

  /** The tracer of the global tracer provider (a proxy that picks up an SDK installed later; made again if the global one is replaced). */
  private static tracer(): Tracer {
    const provider = trace.getTracerProvider();
    if (provider !== TriggersTracer.provider || TriggersTracer.cached === undefined) {
      TriggersTracer.provider = provider;
      TriggersTracer.cached = provider.getTracer('triggers-ts', packageVersion());
    }
    return TriggersTracer.cached;
  }

  /** Runs `fn` in a `triggers.fire` span of `trigger` in session `uid`. */
  static inFire<T>(uid: string, trigger: string, cascade: boolean, fn: (span: Span) => Promise<T>): Promise<T> {
    return TriggersTracer.inSpan('triggers.fire', SpanKind.INTERNAL, context.active(), fn, (span) =>
      span.setAttributes({ [TelemetryAttributes.Session]: uid, [TelemetryAttributes.Trigger]: trigger, [TelemetryAttributes.Cascade]: cascade }),
    );
  }

  /** Runs `fn` in a `triggers.replay` span of `instance` (the failed one) in session `uid`. */
  static inReplay<T>(uid: string, instance: string, fn: (span: Span) => Promise<T>): Promise<T> {
    return TriggersTracer.inSpan('triggers.replay', SpanKind.INTERNAL, context.active(), fn, (span) =>
      span.setAttributes({ [TelemetryAttributes.Session]: uid, [TelemetryAttributes.Instance]: instance }),
    );
  }

  /** Notes on a fire's (or replay's) span the instances it scheduled. */
  static scheduled(span: Span, instances: ReadonlyArray<{ name: string }>): void {
    if (instances.length > 0 && span.isRecording()) span.setAttribute(TelemetryAttributes.Scheduled, instances.map((instance) => instance.name));
  }

  /**
   * The trace context of the active span for a job's data, so the job's
   * span is its child wherever it runs; undefined when that span does not
   * record (no SDK) or no propagator is installed.
   */
  static carrier(): TraceCarrier | undefined {
    const active = context.active();
    if (trace.getSpan(active)?.isRecording() !== true) return undefined;
    const carrier: TraceCarrier = {};
    propagation.inject(active, carrier);
    return Object.keys(carrier).length > 0 ? carrier : undefined;
  }

  /**
   * Runs `fn` in a `triggers.job` span (kind consumer) whose parent is the
   * context `carrier` carries (else the active one); `fn` returns the
   * status the job left its instance in.
   */
  static inJob<T extends string | undefined>(
    job: { uid: string; instance: string; queue?: string; carrier?: TraceCarrier },
    fn: (span: Span) => Promise<T>,
  ): Promise<T> {
    const parent: Context = job.carrier === undefined ? context.active() : propagation.extract(ROOT_CONTEXT, job.carrier);
    // No SDK, no parent: no span, and no status wrapper around the job either.
    if (TriggersTracer.silent(parent)) return fn(NO_SPAN);
    const withStatus = async (span: Span): Promise<T> => {
      const status = await fn(span);
      if (status !== undefined && span.isRecording()) {
        span.setAttribute(TelemetryAttributes.Status, status);
        if (status === 'failed') span.setStatus({ code: SpanStatusCode.ERROR, message: `instance ${job.instance} failed` });
      }
      return status;
    };
    return TriggersTracer.inSpan('triggers.job', SpanKind.CONSUMER, parent, withStatus, (span) => {
      const attributes: Attributes = { [TelemetryAttributes.Session]: job.uid, [TelemetryAttributes.Instance]: job.instance, [TelemetryAttributes.Task]: taskOf(job.instance) };
      if (job.queue !== undefined) attributes[TelemetryAttributes.Queue] = job.queue;
      span.setAttributes(attributes);
    });
  }

  /** Runs `fn` in a `triggers.task` span of `instance` (of task `task`, running `run`). */
  static inTask<T>(uid: string, instance: string, task: string, fn: (span: Span) => Promise<T>): Promise<T> {
    return TriggersTracer.inSpan('triggers.task', SpanKind.INTERNAL, context.active(), fn, (span) =>
      span.setAttributes({ [TelemetryAttributes.Session]: uid, [TelemetryAttributes.Instance]: instance, [TelemetryAttributes.Task]: task }),
    );
  }

  /** Notes the task's outcome on its span: its status, and the error it failed with. */
  static outcome(span: Span, status: string, error?: unknown): void {
    if (!span.isRecording()) return;
    span.setAttribute(TelemetryAttributes.Status, status);
    if (error !== undefined) TriggersTracer.failed(span, error);
  }

  /** Records `error` on `span` and marks it failed. */
  private static failed(span: Span, error: unknown): void {
    if (!span.isRecording()) return;
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
  }

  /** Whether a span under `parent` would record nothing: no SDK installed and no span to continue. */
  private static silent(parent: Context): boolean {
    return !TriggersTracer.sdkInstalled() && trace.getSpan(parent) === undefined;
  }

  /**
   * Runs `fn` in a new span `name` (child of `parent`), active in `fn`'s
   * context; `describe` sets its attributes when it records. Without an SDK
   * and without a parent span (the usual no-op), `fn` runs as is: no
   * context switch, no wrapper.
   */
  private static inSpan<T>(name: string, kind: SpanKind, parent: Context, fn: (span: Span) => Promise<T>, describe: (span: Span) => void): Promise<T> {
    if (TriggersTracer.silent(parent)) return fn(NO_SPAN);
    const span = TriggersTracer.tracer().startSpan(name, { kind }, parent);
    if (span.isRecording()) describe(span);
    return context.with(trace.setSpan(parent, span), () => TriggersTracer.ended(span, fn));
  }

  /** `fn(span)`, the span ended when it settles (and marked failed when it rejects). */
  private static async ended<T>(span: Span, fn: (span: Span) => Promise<T>): Promise<T> {
    try {
      return await fn(span);
    } catch (error) {
      TriggersTracer.failed(span, error);
      throw error;
    } finally {
      span.end();
    }
  }
}

/** The API's no-op tracer provider (what a proxy with no SDK behind it delegates to). */
const NOOP_TRACER_PROVIDER = new ProxyTracerProvider().getDelegate();

/** The span `fn` gets when nothing records: the API's own non-recording span. */
const NO_SPAN = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/** The task name of an instance name (`t_import#0` → `t_import`). */
function taskOf(instance: string): string {
  const hash = instance.lastIndexOf('#');
  return hash < 0 ? instance : instance.slice(0, hash);
}
