import { MalformedJobError } from '../errors';
import type { TriggerManager } from '../manager/TriggerManager';
import { describeValue, isPlainObject } from '../model';
import type { TaskInstance, TriggerKwargs } from '../model';
import { TriggerRegistry } from '../registry/TriggerRegistry';
import { TriggersTracer } from '../telemetry/TriggersTracer';
import type { TraceCarrier } from '../telemetry/TriggersTracer';

/**
 * What a runner hands to wherever the task runs: names only, never objects,
 * so a worker in another process can rebuild a manager of the same
 * registered type over storage of the same type and session.
 */
export interface TaskJobPayload {
  /** Session uid. */
  uid: string;
  /** Instance name (`t_import#0`). */
  instance: string;
  /** Registered manager type name. */
  manager: string;
  /** Registered storage type name. */
  storage: string;
  /** The instance's trigger kwargs when it was scheduled (informational: the run reads fresh state). */
  kwargs: TriggerKwargs;
  /**
   * The instance's depth (number of replays before it) when scheduled: the
   * job-level "attempt" a queue dashboard shows. Informational, like `kwargs`;
   * the task reads its instance's depth from fresh state.
   */
  depth?: number;
  /**
   * The W3C trace context (`traceparent`, `tracestate`) of the span that
   * scheduled the instance, when one was recording: the job's span is its
   * child wherever the job runs. Informational: never trusted for anything
   * but tracing.
   */
  trace?: TraceCarrier;
}

/** The payload for `instance` of `manager`'s session. */
export function payloadFor(manager: TriggerManager, instance: TaskInstance): TaskJobPayload {
  return {
    uid: manager.storage.uid,
    instance: instance.name,
    manager: manager.typeName,
    storage: storageNameOf(manager),
    kwargs: instance.kwargs,
    depth: instance.depth,
    ...traceOf(TriggersTracer.carrier()),
  };
}

function traceOf(carrier: TraceCarrier | undefined): { trace?: TraceCarrier } {
  return carrier === undefined ? {} : { trace: carrier };
}

/**
 * The registered name of `manager`'s storage type, which a worker resolves.
 *
 * @throws MalformedJobError when the storage class is not registered
 */
export function storageNameOf(manager: TriggerManager): string {
  const storage = TriggerRegistry.nameOf('storage', manager.storage.constructor);
  if (storage === undefined) {
    throw new MalformedJobError({ unregisteredStorage: manager.storage.constructor.name });
  }
  return storage;
}

/**
 * Checks a payload that came from outside (a queue): every field present and
 * of the right type. `moreProblems` lets a runner whose jobs carry more
 * fields check them too, so one error names every bad field.
 *
 * @throws MalformedJobError naming every bad field
 */
export function parseTaskJobPayload(data: unknown, moreProblems?: (fields: Record<string, unknown>) => string[]): TaskJobPayload {
  const problems = taskJobPayloadProblems(data);
  if (moreProblems !== undefined && isPlainObject(data)) problems.push(...moreProblems(data));
  if (problems.length > 0) throw new MalformedJobError({ problems });
  const fields = data as Record<string, unknown>;
  return {
    uid: fields.uid as string,
    instance: fields.instance as string,
    manager: fields.manager as string,
    storage: fields.storage as string,
    kwargs: (fields.kwargs ?? {}) as TriggerKwargs,
    ...(fields.depth === undefined ? {} : { depth: fields.depth as number }),
    ...traceOf(fields.trace as TraceCarrier | undefined),
  };
}

/** What is wrong with a payload that came from outside, one sentence per bad field (empty when valid). */
function taskJobPayloadProblems(data: unknown): string[] {
  if (!isPlainObject(data)) return [`the job data must be an object, got ${describeValue(data)}`];
  const problems: string[] = [];
  for (const field of ['uid', 'instance', 'manager', 'storage'] as const) {
    const value = data[field];
    if (typeof value !== 'string' || value.length === 0) problems.push(`"${field}" must be a non-empty string`);
  }
  if (data.kwargs !== undefined && !isPlainObject(data.kwargs)) problems.push('"kwargs" must be an object');
  if (data.depth !== undefined && !(Number.isInteger(data.depth) && (data.depth as number) >= 0)) {
    problems.push('"depth" must be a non-negative integer');
  }
  if (data.trace !== undefined && !(isPlainObject(data.trace) && Object.values(data.trace).every((value) => typeof value === 'string'))) {
    problems.push('"trace" must be an object of strings (a W3C trace context)');
  }
  return problems;
}
