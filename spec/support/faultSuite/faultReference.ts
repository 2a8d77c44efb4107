import { isDeepStrictEqual } from 'node:util';
import { closeTriggersContainer, getManager } from '../../../src';
import type { InstanceRecord, Kwargs, StorageBackend } from '../../../src';
import { ThreadingTaskRunner, createTestContainer } from '../../../src/testing';
import type { FaultSession } from './FaultWorkload';
import { faultConfig } from './FaultWorkload';
import './faultTasks';

/** What the suite compares of an instance: everything but timestamps and unknown metadata keys. */
export interface ComparedInstance {
  task: string;
  status: string;
  kwargs: unknown;
  abandonState: string[];
  actualKwargs: unknown;
  result: unknown;
  exceptionType: unknown;
}

/** What the suite compares of a session. */
export interface ComparedSession {
  instances: Record<string, ComparedInstance>;
  latestKwargs: Record<string, Kwargs>;
}

/**
 * The compared part of a stored session. An instance re-run after its
 * worker died (`retryOnWorkerLoss`: marked `replayed` with WorkerLostError,
 * and a clone naming it as `parent`) compares as the last run of its chain
 * under the first one's name: what one uninterrupted run records.
 */
export async function comparedSession(storage: StorageBackend): Promise<ComparedSession> {
  const repr = await storage.debugRepr();
  const records = repr.instances;
  const cloneOf = new Map<string, InstanceRecord>();
  for (const record of Object.values(records)) {
    const parent = record.metadata.parent;
    if (typeof parent === 'string' && records[parent]?.status === 'replayed' && records[parent].metadata.exceptionType === 'WorkerLostError') {
      cloneOf.set(parent, record);
    }
  }
  const clones = new Set([...cloneOf.values()].map((record) => record.name));
  // A clone also took the next instance number of its task: the instances after it are renumbered as if it had not.
  const kept = Object.values(records)
    .filter((record) => !clones.has(record.name))
    .sort((a, b) => (a.task === b.task ? instanceNumber(a.name) - instanceNumber(b.name) : a.task < b.task ? -1 : 1));
  const instances: Record<string, ComparedInstance> = {};
  const next = new Map<string, number>();
  for (const record of kept) {
    let last = record;
    for (let clone = cloneOf.get(last.name); clone !== undefined; clone = cloneOf.get(last.name)) last = clone;
    const n = next.get(record.task) ?? 0;
    next.set(record.task, n + 1);
    instances[`${record.task}#${n}`] = compared(last === record ? record : { ...last, kwargs: record.kwargs });
  }
  return { instances, latestKwargs: repr.latestKwargs };
}

function instanceNumber(name: string): number {
  return Number(name.slice(name.lastIndexOf('#') + 1));
}

function compared(record: InstanceRecord): ComparedInstance {
  return {
    task: record.task,
    status: record.status,
    kwargs: record.kwargs,
    abandonState: [...record.abandonState].sort(),
    actualKwargs: record.metadata.actualKwargs,
    result: record.metadata.result,
    exceptionType: record.metadata.exceptionType,
  };
}

/**
 * Every session's fires, each applied once in its order, in one process
 * with memory storage and the in-process runner: the state a correct
 * distributed run must reach.
 */
export async function referenceSessions(sessions: readonly FaultSession[]): Promise<Map<string, ComparedSession>> {
  const container = createTestContainer();
  const states = new Map<string, ComparedSession>();
  try {
    for (const session of sessions) {
      const manager = getManager(container, session.uid);
      await manager.updateConfiguration(faultConfig);
      for (const [trigger, kwargs] of session.fires) await manager.fire(trigger, kwargs);
    }
    await ThreadingTaskRunner.joinAll();
    for (const session of sessions) states.set(session.uid, await comparedSession(getManager(container, session.uid).storage));
  } finally {
    await closeTriggersContainer(container);
  }
  return states;
}

/** The differences between two sessions, in words (undefined when equal): up to `limit` instances, then the latest kwargs. */
export function sessionDifference(actual: ComparedSession, expected: ComparedSession, limit = 4): string | undefined {
  if (isDeepStrictEqual(actual, expected)) return undefined;
  const differences: string[] = [];
  const names = new Set([...Object.keys(actual.instances), ...Object.keys(expected.instances)]);
  for (const name of [...names].sort()) {
    const [a, e] = [actual.instances[name], expected.instances[name]];
    if (a === undefined) differences.push(`${name} missing (memory: ${e.status})`);
    else if (e === undefined) differences.push(`${name} ${a.status} is extra (not in memory)`);
    else if (!isDeepStrictEqual(a, e)) {
      const fields = (Object.keys(e) as Array<keyof ComparedInstance>).filter((key) => !isDeepStrictEqual(a[key], e[key]));
      differences.push(`${name}: ${fields.map((key) => `${key} ${JSON.stringify(a[key])} (memory: ${JSON.stringify(e[key])})`).join(', ')}`);
    }
  }
  if (!isDeepStrictEqual(actual.latestKwargs, expected.latestKwargs)) {
    differences.push(`latest kwargs ${JSON.stringify(actual.latestKwargs)} (memory: ${JSON.stringify(expected.latestKwargs)})`);
  }
  const shown = differences.slice(0, limit).join('; ');
  return differences.length > limit ? `${shown}; and ${differences.length - limit} more` : shown;
}
