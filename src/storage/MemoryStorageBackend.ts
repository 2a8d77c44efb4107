import { inject, optional } from 'inversify';
import { TaskStatus, deepFreeze, jsonCopy } from '../model';
import type { InstanceRecord, Kwargs, TaskConfigEntry } from '../model';
import { TRIGGERS } from '../registry/tokens';
import { Storage } from './Storage';
import { MemoryStore } from './MemoryStore';
import type { MemorySession } from './MemoryStore';
import { FireIndex } from './FireIndex';
import type { FireReadSet, SessionChanges } from './SessionRecords';
import { StorageBackend } from './StorageBackend';
import { DEFAULT_IDEMPOTENCY_WINDOW_SECONDS, OperationId } from './OperationId';
import type { StorageDirectory } from './StorageDirectory';

/**
 * The embedded default: sessions live in this process, in the container's
 * {@link MemoryStore}. Every record is kept as a private serialized copy —
 * exactly what `JSON.parse(JSON.stringify(record))` gives, built with
 * {@link jsonCopy} — and each read returns a fresh copy of it, so tasks and
 * callers never share mutable objects, and data that JSON cannot carry could
 * never have been stored. (Kept as JSON strings before: a parse per read and
 * a stringify per write cost 2-3 times the copies.) Reads and writes touch only
 * the records an operation needs (an index of unstarted instances per task
 * keeps `fire` independent of the session's history).
 */
@Storage('memory')
export class MemoryStorageBackend extends StorageBackend {
  protected override readonly usesSnapshots = false;

  private readonly windowMs: number;

  constructor(
    @inject(TRIGGERS.MemoryStore) private readonly store: MemoryStore,
    @inject(TRIGGERS.IdempotencyWindowSeconds) @optional() windowSeconds?: number,
  ) {
    super();
    this.windowMs = (windowSeconds ?? DEFAULT_IDEMPOTENCY_WINDOW_SECONDS) * 1000;
  }

  /** Remembers operations applied under an idempotency key (its own writes cannot lose a reply, so internal ids need no record). */
  override get remembersOperations(): boolean {
    return true;
  }

  override async readAppliedOutcome(operationId: string): Promise<string | undefined> {
    const operations = this.data.operations;
    if (operations === undefined) return undefined;
    forgetExpired(operations, Date.now());
    return operations.get(operationId)?.outcome;
  }

  private get data(): MemorySession {
    return this.store.session(this.uid);
  }

  override async readTaskEntries(): Promise<Record<string, TaskConfigEntry>> {
    return taskRecord(this.data);
  }

  /** Synchronous underneath: one lookup in the trigger index, then only the records it names. */
  override async readForFire(trigger: string): Promise<FireReadSet> {
    const data = this.data;
    data.tasksByTrigger ??= FireIndex.build(data.tasks);
    const plan = data.tasksByTrigger.get(trigger);
    const tasks = taskRecord(data);
    return {
      tasks,
      using: [...plan.using],
      unstarted: unstartedRecords(data, plan.using),
      instanceCounts: instanceCounts(data, plan.using),
      latestKwargs: latestKwargs(data, plan.mentioned),
    };
  }

  override async readInstanceRecords(names: string[]): Promise<Array<InstanceRecord | undefined>> {
    const instances = this.data.instances;
    return names.map((name) => copyOf(instances.get(name)));
  }

  override async readAllInstanceRecords(): Promise<InstanceRecord[]> {
    return [...this.data.instances.values()].map((record) => jsonCopy(record));
  }

  override async readUnstartedInstances(tasks: string[]): Promise<InstanceRecord[]> {
    return unstartedRecords(this.data, tasks);
  }

  override async readInstanceCounts(tasks: string[]): Promise<Record<string, number>> {
    return instanceCounts(this.data, tasks);
  }

  override async readLatestKwargs(triggers?: string[]): Promise<Record<string, Kwargs>> {
    if (triggers === undefined) return copyMap(this.data.latestKwargs);
    return latestKwargs(this.data, triggers);
  }

  override async writeChanges(changes: SessionChanges): Promise<void> {
    // Serialise everything first: a value JSON cannot carry fails before anything is written.
    const tasks = Object.entries(changes.tasks).map(([name, entry]) => [name, deepFreeze(jsonCopy(entry))] as const);
    const latest = Object.entries(changes.latestKwargs).map(([t, kwargs]) => [t, jsonCopy(kwargs)] as const);
    const instances = changes.instances.map((record) => jsonCopy(record));
    const data = this.data;
    const operation = changes.operation;
    if (operation !== undefined && OperationId.isKeyed(operation.id)) {
      data.operations ??= new Map();
      const now = Date.now();
      forgetExpired(data.operations, now);
      if (data.operations.has(operation.id)) return;
      data.operations.set(operation.id, { outcome: operation.outcome, expiresAt: now + this.windowMs });
    }
    const now = instances.length > 0 ? Date.now() : 0;
    for (const [name, entry] of tasks) data.tasks.set(name, entry);
    if (tasks.length > 0) {
      data.tasksByTrigger = undefined;
      data.tasksRecord = undefined;
    }
    for (const [trigger, kwargs] of latest) data.latestKwargs.set(trigger, kwargs);
    for (const [task, count] of Object.entries(changes.instanceCounts)) data.instanceCounts.set(task, count);
    for (const record of instances) {
      const previous = data.instances.get(record.name)?.status;
      data.instances.set(record.name, record);
      let index = data.unstarted.get(record.task);
      if (record.status === TaskStatus.Unstarted) {
        if (index === undefined) data.unstarted.set(record.task, (index = new Set()));
        index.add(record.name);
      } else {
        index?.delete(record.name);
      }
      this.store.directory.noteWrite(this.uid, record, previous, now);
    }
  }

  /** Listings across this container's memory sessions. */
  override directory(): StorageDirectory {
    return this.store.directory;
  }

  override async deleteSession(): Promise<void> {
    await this.withLock(async () => this.store.delete(this.uid));
  }
}

/** Drops the operations whose window ended: the oldest first, stopping at the first one still remembered (one window, so insertion order is expiry order). */
function forgetExpired(operations: Map<string, { readonly expiresAt: number }>, now: number): void {
  for (const [id, { expiresAt }] of operations) {
    if (expiresAt > now) return;
    operations.delete(id);
  }
}

function taskRecord(data: MemorySession): Readonly<Record<string, TaskConfigEntry>> {
  data.tasksRecord ??= Object.freeze(Object.fromEntries(data.tasks));
  return data.tasksRecord;
}

function unstartedRecords(data: MemorySession, tasks: readonly string[]): InstanceRecord[] {
  const out: InstanceRecord[] = [];
  for (const task of tasks) {
    const names = data.unstarted.get(task);
    if (names !== undefined) for (const name of names) out.push(jsonCopy(data.instances.get(name) as InstanceRecord));
  }
  return out;
}

function instanceCounts(data: MemorySession, tasks: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const task of tasks) out[task] = data.instanceCounts.get(task) ?? 0;
  return out;
}

function latestKwargs(data: MemorySession, triggers: readonly string[]): Record<string, Kwargs> {
  const out: Record<string, Kwargs> = {};
  for (const trigger of triggers) {
    const kwargs = data.latestKwargs.get(trigger);
    if (kwargs !== undefined) out[trigger] = jsonCopy(kwargs);
  }
  return out;
}

function copyOf<T extends object>(stored: T | undefined): T | undefined {
  return stored === undefined ? undefined : jsonCopy(stored);
}

function copyMap<T extends object>(map: Map<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [key, stored] of map) out[key] = jsonCopy(stored);
  return out;
}
