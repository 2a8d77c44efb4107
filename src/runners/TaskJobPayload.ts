import { MalformedJobError } from '../errors';
import type { TriggerManager } from '../manager/TriggerManager';
import { isPlainObject } from '../model';
import type { TaskInstance, TriggerKwargs } from '../model';
import { TriggerRegistry } from '../container/TriggerRegistry';

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
   * The instance's record text as it was written `scheduled`, when the
   * storage's script enqueued the job: a hint that lets the worker compute
   * the start itself (the storage only compares texts). Verified, never
   * trusted: a record that changed since takes the usual path.
   */
  record?: string;
  /**
   * With `record`: the Redis storage's key base of the session
   * (`<prefix>:{<tag>}:`), where the script that fetches the job for a
   * worker may start the instance in the same step (`startOnFetchScript`).
   * A hint like `record`: used only under the worker's own prefix and only
   * while the stored record is still exactly `record`.
   */
  session?: string;
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
  };
}

/**
 * The registered name of `manager`'s storage type, which a worker resolves.
 *
 * @throws MalformedJobError when the storage class is not registered
 */
export function storageNameOf(manager: TriggerManager): string {
  const storage = TriggerRegistry.nameOf('storage', manager.storage.constructor);
  if (storage === undefined) {
    throw new MalformedJobError(`Storage class ${manager.storage.constructor.name} is not registered: decorate it with @Storage('name')`);
  }
  return storage;
}

/**
 * Checks a payload that came from outside (a queue): every field present and
 * of the right type.
 *
 * @throws MalformedJobError naming every bad field
 */
export function parseTaskJobPayload(data: unknown): TaskJobPayload {
  if (!isPlainObject(data)) throw new MalformedJobError(`Job payload must be an object, got ${data === null ? 'null' : typeof data}`);
  const problems: string[] = [];
  for (const field of ['uid', 'instance', 'manager', 'storage'] as const) {
    const value = data[field];
    if (typeof value !== 'string' || value.length === 0) problems.push(`"${field}" must be a non-empty string`);
  }
  if (data.kwargs !== undefined && !isPlainObject(data.kwargs)) problems.push('"kwargs" must be an object');
  if (data.depth !== undefined && !(Number.isInteger(data.depth) && (data.depth as number) >= 0)) {
    problems.push('"depth" must be a non-negative integer');
  }
  if (data.record !== undefined && typeof data.record !== 'string') problems.push('"record" must be a string');
  if (data.session !== undefined && typeof data.session !== 'string') problems.push('"session" must be a string');
  if (problems.length > 0) throw new MalformedJobError(`Malformed job payload: ${problems.join('; ')}`);
  return {
    uid: data.uid as string,
    instance: data.instance as string,
    manager: data.manager as string,
    storage: data.storage as string,
    kwargs: (data.kwargs ?? {}) as TriggerKwargs,
    ...(data.depth === undefined ? {} : { depth: data.depth as number }),
    ...(data.record === undefined ? {} : { record: data.record as string }),
    ...(data.session === undefined ? {} : { session: data.session as string }),
  };
}
