import { expect } from 'chai';
import type { Container } from 'inversify';
import { ALL_TASK_STATUSES, BaseTaskRunner, InvalidConfigurationError, RedisStorageBackend, Runner, TaskInstance, getManager, runnerToken } from '../../../src';
import type { AtomicOperation, AtomicOutcome, JsonValue, Kwargs, TaskConfigEntry, TaskStatus, TriggerConfiguration, TriggerKwargs, TriggerManager, TriggersContainerOptions } from '../../../src';
import { RedisClusterSet } from '../../support/RedisClusterSet';
import { ThreadingTaskRunner, createTestContainer } from '../../../src/testing';
import { SeededRandom } from '../../support/SeededRandom';
import { closeRedisContainers, redisTestContainer } from '../../support/redisContainers';

/*
 * Randomized equivalence of the storage backends: the same configuration and
 * the same operations (fires, replays, skips, manual status and metadata
 * changes, reconfigurations), run on memory storage and on Redis storage
 * with the in-process runner, must leave exactly the same session state
 * after every operation, and end in the same outcome (or the same error).
 * Timestamp values differ by nature; their keys must not. Whatever is
 * stored as user JSON must also keep its key order.
 *
 * Configurations use triggers a-e (sometimes one with an odd name) and the
 * task names (cascades, a task after or unless itself), every directive,
 * the five ready-made testing tasks, and sometimes a runner that refuses
 * its instances; names, uids and kwargs include what needs escaping in
 * JSON, in Redis keys and in Lua patterns.
 *
 * On Redis, fires and status changes (with their cascades, which is how
 * every task finish is recorded) mostly go through the one-script path
 * (`applyAtomically`), falling back to the locked path when it declines;
 * a spec below checks that the cases really take the script path, and a
 * failure report says which path each operation took.
 *
 * Tasks run in this process, through the threading runner, but one at a
 * time: left to run concurrently, two tasks made ready by one operation
 * race, and which cascade lands first depends on each backend's I/O timing
 * (a real difference of timing, not of semantics: it made the same seed
 * flip between runs). So instances are queued (`equivalenceQueue` runner)
 * and handed to the threading runner in a fixed order: everything one
 * operation scheduled, by instance name; then everything those runs
 * scheduled, and so on.
 *
 * Cases come from fixed seeds, so a run is reproducible; a failure prints
 * the seed, the configuration and the operations up to the divergence.
 * Environment (for hunting or replaying; the defaults are what CI runs):
 *   TRIGGERS_EQUIV_SEED=<n>    run only that seed
 *   TRIGGERS_EQUIV_BASE=<n>    first seed (default 1)
 *   TRIGGERS_EQUIV_CASES=<n>   number of seeds (default 50)
 */

type JsonObject = { [key: string]: JsonValue };

/** One operation, with everything concrete, so the printed list replays it. */
type Operation =
  | { op: 'fire'; trigger: string; kwargs: JsonObject }
  | { op: 'replay'; instance: string; replacementKwargs?: Record<string, JsonObject> }
  | { op: 'skip'; instance: string; cascade: boolean; result?: JsonObject }
  | { op: 'updateStatus'; instance: string; status: TaskStatus; metadata?: JsonObject; cascade: boolean; cascadeKwargs?: JsonObject }
  | { op: 'updateMetadata'; instance: string; metadata: JsonObject }
  | { op: 'markLogsResolved'; instance: string }
  | { op: 'configure'; config: TriggerConfiguration };

interface InstanceView {
  name: string;
  task: string;
  status: TaskStatus;
  kwargs: TriggerKwargs;
  abandonState: string[];
  /** Without `timestamps`; `exceptionInfo` cut to its first line (the stack text differs by backend). */
  metadata: Record<string, unknown>;
  timestampKeys: string[];
}

interface SessionView {
  tasks: Array<[string, TaskConfigEntry]>;
  /** Compared before the instances themselves, so a missing instance is reported as such. */
  instanceNames: string[];
  instances: InstanceView[];
  latestKwargs: Array<[string, Kwargs]>;
  unresolvedTasks: string[];
  unresolvedInstances: string[];
  unresolvedLogs: string[];
}

interface Side {
  label: 'memory' | 'redis';
  container: Container;
  manager: TriggerManager;
}

/** Accepts instances without running them; {@link runQueued} hands them to the threading runner one at a time. */
@Runner('equivalenceQueue')
export class EquivalenceQueueRunner extends BaseTaskRunner {
  static readonly waiting: Array<{ manager: TriggerManager; instance: TaskInstance }> = [];

  /** It only queues, so the Redis backend may apply operations as one script and hand instances over afterwards. */
  override get defersExecution(): boolean {
    return true;
  }

  override async run(manager: TriggerManager, instance: TaskInstance): Promise<void> {
    EquivalenceQueueRunner.waiting.push({ manager, instance });
  }
}

/** Refuses every instance (which fails it), after the operation like the queue runner: for tasks configured `using` it. */
@Runner('equivalenceRefusing')
export class EquivalenceRefusingRunner extends BaseTaskRunner {
  override get defersExecution(): boolean {
    return true;
  }

  override async run(_manager: TriggerManager, instance: TaskInstance): Promise<void> {
    throw new Error(`equivalenceRefusing refuses ${instance.name}`);
  }
}

/**
 * Runs what the queue holds, batch by batch (a batch: what was queued while
 * the previous one ran), each batch in instance-name order, one instance at
 * a time through the container's threading runner.
 */
async function runQueued(container: Container): Promise<void> {
  const threading = container.get<BaseTaskRunner>(runnerToken('threading'));
  const waiting = EquivalenceQueueRunner.waiting;
  let runs = 0;
  while (waiting.length > 0) {
    const batch = waiting.splice(0).sort((a, b) => TaskInstance.compare(a.instance, b.instance));
    runs += batch.length;
    if (runs > 500) throw new Error(`more than 500 task runs after one operation: a runaway cascade (the generator should make none)`);
    for (const { manager, instance } of batch) {
      await threading.run(manager, instance);
      await ThreadingTaskRunner.joinAll();
    }
  }
}

/**
 * Counts what the Redis backend's one-script path did (installed around
 * `RedisStorageBackend.prototype.applyAtomically` for this file's specs).
 */
const atomicPath = {
  /** Applied as one script: a fire alone, a status change alone, a status change with its cascade. */
  fire: 0,
  update: 0,
  updateAndCascade: 0,
  /** Declined (the operation then ran under the lock). */
  declined: 0,
  original: RedisStorageBackend.prototype.applyAtomically,

  install(): void {
    const original = this.original;
    const counts = this;
    RedisStorageBackend.prototype.applyAtomically = async function (this: RedisStorageBackend, operation: AtomicOperation): Promise<AtomicOutcome | undefined> {
      const outcome = await original.call(this, operation);
      if (outcome === undefined) counts.declined += 1;
      else if (operation.update === undefined) counts.fire += 1;
      else if (operation.fire === undefined) counts.update += 1;
      else counts.updateAndCascade += 1;
      return outcome;
    };
  },

  uninstall(): void {
    RedisStorageBackend.prototype.applyAtomically = this.original;
  },

  /** How many operations were applied as one script, and declined, so far. */
  totals(): { applied: number; declined: number } {
    return { applied: this.fire + this.update + this.updateAndCascade, declined: this.declined };
  },
};

// ------------------------------------------------------------ generation

const TRIGGER_ALPHABET = ['a', 'b', 'c', 'd', 'e'];
/** Stand-ins for `e` in some cases: names that need escaping in JSON or in Lua patterns. */
const ODD_TRIGGERS = ['e"q', 'e\\s', 'e%d+', 'e\u2028', 'é☃', 'e.*', '#1'];
/** Task names that stress escaping, key building, Lua patterns and instance-name parsing. */
const ODD_TASK_NAMES = ['job#2', 'tâche', 'x:{y}', 'q"uote', 'back\\slash', 'sp ace', '1', 'pct%d+', 'dot.*'];
const ODD_UIDS = ['equiv:{tag}', 'équivalence ✓', 'glob *?[x]', 'quo"te\\back'];
const TASK_CLASSES: ReadonlyArray<readonly [string, number]> = [
  ['PassThruTask', 4],
  ['DevNullTask', 2],
  ['FailingTask', 3],
  ['SelfSkippingTask', 1],
  ['SelfRetryingTask', 1],
];

/** Numbers whose JSON text parses back to the same number (so not -0). */
const NUMBERS: readonly number[] = [
  0, 1, -1, 7, 42, -273, 1.5, -2.25, 1e21, 1e-7, 0.1 + 0.2, 123456789.123456789,
  Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2 ** 53 + 2, 5e-324, 1.7976931348623157e308,
];
const STRINGS: readonly string[] = [
  '', 'plain', 'ünïcødé', '日本語テキスト', '😀 emoji 👍🏽', 'quote " backslash \\ slash /', 'line\nbreak\ttab\r',
  '\u2028\u2029', 'nul\u0000char', '\ud800 lone surrogate', '{"looks":"like json"}', '\\u0041 not an escape', 'long '.repeat(30),
];
/** Object keys, including integer-like ones (JavaScript enumerates those first). */
const KEYS: readonly string[] = ['x', 'page', 'answers', 'ü', '', '1', '10', '2', 'a.b', '$ref', 'with space', 'quo"te', 'sl\\ash', 'emoji😀', 'null'];
const LOG_LEVELS = ['debug', 'info', 'warn', 'error'];

function jsonValue(rng: SeededRandom, depth: number): JsonValue {
  if (depth >= 3 || rng.chance(0.55)) {
    return rng.weighted<() => JsonValue>([
      [() => rng.pick(NUMBERS), 3],
      [() => rng.int(-1000, 1000), 2],
      [() => rng.pick(STRINGS), 4],
      [() => rng.chance(0.5), 1],
      [() => null, 1],
    ])();
  }
  if (rng.chance(0.45)) return Array.from({ length: rng.int(0, 4) }, () => jsonValue(rng, depth + 1));
  return jsonObject(rng, depth + 1);
}

/** A JSON object of 0-4 keys; rarely an own `__proto__` key (as `JSON.parse` would make it). */
function jsonObject(rng: SeededRandom, depth = 0): JsonObject {
  const out: JsonObject = {};
  for (let i = rng.int(0, 4); i > 0; i -= 1) {
    const key = rng.chance(0.02) ? '__proto__' : rng.pick(KEYS);
    Object.defineProperty(out, key, { value: jsonValue(rng, depth), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/**
 * Metadata for the manual tools: the keys that change behaviour (`logLevel`,
 * `logsResolved`, `cooldown`, `depth`), contract keys an operator may
 * overwrite, odd keys, rarely an own `__proto__`, and (when allowed) a
 * `timestamps` object, which replaces the stored one before the new stamps.
 */
function metadataObject(rng: SeededRandom, allowTimestamps: boolean): JsonObject {
  const out: JsonObject = {};
  const keys = ['note', 'logLevel', 'logsResolved', 'cooldown', 'depth', 'result', 'parent', 'exceptionType', 'actualKwargs', 'odd', 'odd', 'proto'];
  if (allowTimestamps) keys.push('timestamps');
  for (const key of rng.sample(keys, rng.int(1, 3))) {
    if (key === 'logLevel') out[key] = rng.pick(LOG_LEVELS);
    else if (key === 'logsResolved') out[key] = rng.chance(0.5);
    else if (key === 'cooldown') out[key] = rng.int(0, 5);
    else if (key === 'depth') out[key] = rng.int(0, 4);
    else if (key === 'timestamps') out[key] = rng.chance(0.5) ? {} : { reviewed: '2020-02-29T12:00:00.000Z' };
    else if (key === 'odd') out[rng.pick(KEYS)] = jsonValue(rng, 1);
    else if (key === 'proto') {
      if (rng.chance(0.2)) Object.defineProperty(out, '__proto__', { value: jsonObject(rng, 1), enumerable: true, writable: true, configurable: true });
    } else out[key] = jsonValue(rng, 1);
  }
  return out;
}

class CaseGenerator {
  readonly uid: string;
  readonly triggers: string[];
  readonly taskNames: string[];
  readonly config: TriggerConfiguration = {};

  /** `allowTimestamps`: whether manual metadata may overwrite `timestamps` (which breaks the timestamp invariants on purpose). */
  constructor(
    private readonly rng: SeededRandom,
    private readonly allowTimestamps: boolean,
  ) {
    this.triggers = rng.chance(0.3) ? [...TRIGGER_ALPHABET.slice(0, 4), rng.pick(ODD_TRIGGERS)] : [...TRIGGER_ALPHABET];
    this.uid = rng.chance(0.3) ? `${rng.pick(ODD_UIDS)} ${rng.seed}` : `equiv-${rng.seed}`;
    const names: string[] = [];
    const count = rng.int(2, 6);
    for (let i = 0; i < count; i += 1) {
      const odd = rng.chance(0.15) ? rng.pick(ODD_TASK_NAMES) : undefined;
      names.push(odd !== undefined && !names.includes(odd) ? odd : `t_${i}`);
    }
    this.taskNames = names;
    for (let i = 0; i < count; i += 1) this.config[names[i]] = this.entry(i);
  }

  /**
   * A task entry. `andEvery` names a trigger or an earlier task only: an
   * `andEvery` cycle would cascade forever (each finish creating the next
   * instance). `after` mostly names triggers and earlier tasks, sometimes
   * any task, itself included (a one-shot task runs once whatever fires);
   * `unless` may name any task.
   */
  entry(index: number): TaskConfigEntry {
    const rng = this.rng;
    const afterPool = [...this.triggers, ...this.taskNames.slice(0, index)];
    const entry: TaskConfigEntry = { after: [], run: rng.weighted(TASK_CLASSES) };
    if (rng.chance(0.35)) entry.andEvery = rng.pick(afterPool);
    entry.after = rng.sample(afterPool, entry.andEvery === undefined ? rng.int(1, 3) : rng.int(0, 3));
    if (rng.chance(0.15)) entry.after = [...new Set([...entry.after, rng.pick(this.taskNames)])];
    if (rng.chance(0.35)) entry.unless = rng.sample([...this.triggers, ...this.taskNames], rng.int(1, 2));
    if (rng.chance(0.3)) {
      const keys = rng.sample([...entry.after, ...(entry.andEvery === undefined ? [] : [entry.andEvery]), rng.pick(this.triggers)], rng.int(1, 2));
      entry.withParams = Object.fromEntries(keys.map((key) => [key, jsonObject(rng)]));
    }
    if (rng.chance(0.06)) entry.using = 'equivalenceRefusing';
    if (rng.chance(0.1)) entry.note = jsonValue(rng, 1);
    return entry;
  }

  /** The next operation, given the instances the memory side holds now. */
  operation(instances: TaskInstance[]): Operation {
    const rng = this.rng;
    const failed = instances.filter((instance) => instance.canReplay).map((instance) => instance.name);
    const names = instances.map((instance) => instance.name);
    const kinds: Array<readonly [() => Operation, number]> = [
      [() => this.fire(), 45],
      [() => ({ op: 'configure', config: this.reconfigure() }), 3],
      [() => ({ op: 'updateStatus', instance: `${rng.pick(this.taskNames)}#99`, status: rng.pick(ALL_TASK_STATUSES), cascade: rng.chance(0.5) }), 1],
    ];
    if (failed.length > 0) {
      kinds.push([() => this.replay(rng.pick(failed)), 12]);
      kinds.push([() => this.skip(rng.pick(failed)), 12]);
    }
    if (names.length > 0) {
      kinds.push([() => (rng.chance(0.5) ? this.replay(rng.pick(names)) : this.skip(rng.pick(names))), 2]);
      kinds.push([() => this.updateStatus(rng.pick(names)), 16]);
      kinds.push([() => ({ op: 'updateMetadata', instance: rng.pick(names), metadata: metadataObject(rng, this.allowTimestamps) }), 6]);
      kinds.push([() => ({ op: 'markLogsResolved', instance: rng.pick(names) }), 3]);
    }
    return rng.weighted(kinds)();
  }

  private fire(): Operation {
    const rng = this.rng;
    const trigger = rng.weighted<() => string>([
      [() => rng.pick(this.triggers), 8],
      [() => rng.pick(this.taskNames), 2],
      [() => 'unrelated', 1],
    ])();
    return { op: 'fire', trigger, kwargs: jsonObject(this.rng) };
  }

  private replay(instance: string): Operation {
    const rng = this.rng;
    if (rng.chance(0.6)) return { op: 'replay', instance };
    if (rng.chance(0.3)) return { op: 'replay', instance, replacementKwargs: {} };
    const replacement: Record<string, JsonObject> = {};
    for (const trigger of rng.sample([...this.triggers, ...this.taskNames], rng.int(1, 3))) replacement[trigger] = jsonObject(rng);
    // Rarely the reserved name as a key (an own property, as JSON.parse makes it): refused the same way by both.
    if (rng.chance(0.03)) Object.defineProperty(replacement, '__proto__', { value: {}, enumerable: true, writable: true, configurable: true });
    return { op: 'replay', instance, replacementKwargs: replacement };
  }

  private skip(instance: string): Operation {
    const rng = this.rng;
    const cascade = rng.chance(0.5);
    return rng.chance(0.5) ? { op: 'skip', instance, cascade, result: jsonObject(rng) } : { op: 'skip', instance, cascade };
  }

  private updateStatus(instance: string): Operation {
    const rng = this.rng;
    const operation: Operation = { op: 'updateStatus', instance, status: rng.pick(ALL_TASK_STATUSES), cascade: rng.chance(0.4) };
    if (rng.chance(0.6)) operation.metadata = metadataObject(rng, this.allowTimestamps);
    if (rng.chance(0.6)) operation.cascadeKwargs = jsonObject(rng);
    return operation;
  }

  /** Replaces one task's entry, or adds a task, keeping `after`/`andEvery` acyclic. */
  private reconfigure(): TriggerConfiguration {
    const rng = this.rng;
    if (this.taskNames.length < 6 && rng.chance(0.3)) this.taskNames.push(`t_${this.taskNames.length}`);
    const index = rng.int(0, this.taskNames.length - 1);
    const change = { [this.taskNames[index]]: this.entry(index) };
    Object.assign(this.config, change);
    return change;
  }
}

// ------------------------------------------------------------- running

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.constructor.name}: ${error.message}` : `thrown ${String(error)}`;
}

async function perform(manager: TriggerManager, operation: Operation): Promise<void> {
  switch (operation.op) {
    case 'fire':
      return manager.fire(operation.trigger, operation.kwargs);
    case 'replay':
      return manager.replayFailedInstance(operation.instance, operation.replacementKwargs);
    case 'skip':
      return manager.skipFailedInstance(operation.instance, { cascade: operation.cascade, result: operation.result });
    case 'updateStatus':
      await manager.updateInstanceStatus(operation.instance, operation.status, {
        metadata: operation.metadata,
        cascade: operation.cascade,
        cascadeKwargs: operation.cascadeKwargs,
      });
      return;
    case 'updateMetadata':
      return manager.updateInstanceMetadata(operation.instance, operation.metadata);
    case 'markLogsResolved':
      return manager.markInstanceLogsResolved(operation.instance);
    case 'configure':
      return manager.updateConfiguration(operation.config);
  }
}

/** Runs one operation, then every task and cascade it caused; returns what happened (errors included). */
async function apply(side: Side, operation: Operation): Promise<string> {
  let outcome = 'ok';
  try {
    await perform(side.manager, operation);
  } catch (error) {
    outcome = describeError(error);
  }
  try {
    await runQueued(side.container);
  } catch (error) {
    outcome += `; running tasks: ${describeError(error)}`;
  }
  return outcome;
}

function sortedKeys(object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.keys(object).sort().map((key) => [key, object[key]]));
}

function instanceView(instance: TaskInstance): InstanceView {
  const { timestamps, exceptionInfo, ...metadata } = instance.metadata;
  const rest: Record<string, unknown> = { ...metadata };
  if (exceptionInfo !== undefined) rest.exceptionInfo = typeof exceptionInfo === 'string' ? exceptionInfo.split('\n')[0] : exceptionInfo;
  return {
    name: instance.name,
    task: instance.taskName,
    status: instance.status,
    kwargs: instance.kwargs,
    abandonState: [...instance.abandonState].sort(),
    metadata: sortedKeys(rest),
    timestampKeys: Object.keys(timestamps ?? {}).sort(),
  };
}

async function sessionView(manager: TriggerManager): Promise<{ view: SessionView; instances: TaskInstance[] }> {
  const storage = manager.storage;
  const [repr, instances, latest, unresolvedTasks, unresolvedInstances, unresolvedLogs] = await Promise.all([
    storage.debugRepr(),
    storage.getInstances(),
    storage.getLatestKwargs(),
    storage.getUnresolvedTasks(),
    storage.getUnresolvedInstances(),
    storage.getInstancesWithUnresolvedLogs(),
  ]);
  const byName = (a: [string, unknown], b: [string, unknown]): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
  const view: SessionView = {
    tasks: Object.entries(repr.tasks).sort(byName),
    instanceNames: instances.map((instance) => instance.name),
    instances: instances.map(instanceView),
    latestKwargs: Object.entries(latest).sort(byName),
    unresolvedTasks: unresolvedTasks.map((task) => task.name),
    unresolvedInstances: unresolvedInstances.map((instance) => instance.name),
    unresolvedLogs: unresolvedLogs.map((instance) => instance.name),
  };
  return { view, instances };
}

/**
 * Where `redis` first differs from `memory` (a path and both values), or
 * undefined. With `ordered`, objects must also list their keys in the same
 * order.
 */
function firstDifference(memory: unknown, redis: unknown, ordered: boolean, path = '$'): string | undefined {
  if (Object.is(memory, redis)) return undefined;
  const differ = `at ${path}: memory ${show(memory)}, redis ${show(redis)}`;
  if (typeof memory !== 'object' || typeof redis !== 'object' || memory === null || redis === null) return differ;
  if (Array.isArray(memory) !== Array.isArray(redis)) return differ;
  if (Array.isArray(memory) && Array.isArray(redis)) {
    for (let i = 0; i < Math.min(memory.length, redis.length); i += 1) {
      const inner = firstDifference(memory[i], redis[i], ordered, `${path}[${i}]`);
      if (inner !== undefined) return memory.length === redis.length ? inner : `${inner} (and the lists have ${memory.length} vs ${redis.length} items)`;
    }
    if (memory.length === redis.length) return undefined;
    return `at ${path}: memory has ${memory.length} items, redis ${redis.length}; the extra ones: ${show((memory.length > redis.length ? memory : redis).slice(Math.min(memory.length, redis.length)))}`;
  }
  const memoryObject = memory as Record<string, unknown>;
  const redisObject = redis as Record<string, unknown>;
  const memoryKeys = Object.keys(memoryObject);
  const redisKeys = Object.keys(redisObject);
  const asSet = (keys: string[]): string => JSON.stringify([...keys].sort());
  if (asSet(memoryKeys) !== asSet(redisKeys)) return `at ${path}: keys ${JSON.stringify(memoryKeys)} in memory, ${JSON.stringify(redisKeys)} in redis`;
  if (ordered && JSON.stringify(memoryKeys) !== JSON.stringify(redisKeys)) {
    return `at ${path}: same keys in another order: ${JSON.stringify(memoryKeys)} in memory, ${JSON.stringify(redisKeys)} in redis`;
  }
  for (const key of memoryKeys) {
    const inner = firstDifference(memoryObject[key], redisObject[key], ordered, `${path}[${JSON.stringify(key)}]`);
    if (inner !== undefined) return inner;
  }
  return undefined;
}

/** JSON text of a value, cut at 400 characters. */
function show(value: unknown): string {
  const text = value === undefined ? 'undefined' : JSON.stringify(value);
  return text.length > 400 ? `${text.slice(0, 400)}...` : text;
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

/** What is wrong with the instance's timestamps (empty when nothing is). */
function timestampProblems(instance: TaskInstance): string[] {
  const timestamps: unknown = instance.metadata.timestamps;
  if (typeof timestamps !== 'object' || timestamps === null || Array.isArray(timestamps)) return [`${instance.name}: timestamps is ${JSON.stringify(timestamps)}`];
  const problems: string[] = [];
  const times = new Map<string, number>();
  for (const [key, value] of Object.entries(timestamps as Record<string, unknown>)) {
    const time = typeof value === 'string' ? Date.parse(value) : NaN;
    // The parsed date, printed back, must give the same calendar fields (refuses 2024-02-30).
    if (typeof value !== 'string' || !ISO_UTC.test(value) || Number.isNaN(time) || new Date(time).toISOString().slice(0, 19) !== value.slice(0, 19)) {
      problems.push(`${instance.name}: timestamps.${key} = ${JSON.stringify(value)} is not an ISO-8601 UTC time`);
    } else {
      times.set(key, time);
    }
  }
  const created = times.get('created');
  const lastModified = times.get('lastModified');
  if (created === undefined) problems.push(`${instance.name}: no valid timestamps.created`);
  if (lastModified === undefined) problems.push(`${instance.name}: no valid timestamps.lastModified`);
  if (!(instance.status in (timestamps as object))) problems.push(`${instance.name}: no timestamp for its status "${instance.status}"`);
  if (lastModified !== undefined) {
    for (const [key, time] of times) {
      if (time > lastModified) problems.push(`${instance.name}: timestamps.${key} is later than lastModified`);
    }
  }
  return problems;
}

interface CaseReport {
  seed: number;
  /** The command that runs this case again (after `npm run build`). */
  replay: string;
  uid: string;
  config: TriggerConfiguration;
  /** Each operation, its outcome on the memory side, and what the Redis side's one-script path did for it (tasks included). */
  operations: Array<{ operation: Operation; outcome: string; redisPath: string }>;
}

function replayText(report: CaseReport): string {
  return [
    `replay (after npm run build): ${report.replay}`,
    `uid: ${JSON.stringify(report.uid)}`,
    `config: ${JSON.stringify(report.config)}`,
    `operations (with the memory side's outcome; on Redis, how many steps the one-script path applied or declined):`,
    ...report.operations.map(({ operation, outcome, redisPath }, i) => `  #${i} ${JSON.stringify(operation)} -> ${outcome} [redis ${redisPath}]`),
  ].join('\n');
}

interface CaseOptions {
  /** Sees both sides' instances after every operation; with it, manual metadata never overwrites `timestamps`. */
  check?: (side: Side['label'], instances: TaskInstance[], report: CaseReport) => void;
  /** The command that runs the case again, for the failure report (default: the seed's own spec). */
  replay?: string;
  /** Where the Redis side lives (default: the suite's private server). */
  redis?: TriggersContainerOptions['redis'];
}

/**
 * Builds the case of `seed`, runs it on both backends operation by
 * operation, and fails at the first operation after which the sessions (or
 * the operations' outcomes) differ.
 */
async function runCase(seed: number, options: CaseOptions = {}): Promise<void> {
  const { check } = options;
  const allowTimestamps = check === undefined;
  EquivalenceQueueRunner.waiting.splice(0); // nothing left over from a case that failed midway
  const rng = new SeededRandom(seed);
  let generator = new CaseGenerator(rng, allowTimestamps);
  const redisContainer = await redisTestContainer({ defaultRunner: 'equivalenceQueue', ...(options.redis === undefined ? {} : { redis: options.redis }) });
  const memoryContainer = createTestContainer({ defaultRunner: 'equivalenceQueue' });
  let memory = getManager(memoryContainer, generator.uid);
  // The generator never writes a configuration the validator refuses; if it
  // ever does, the next draw of the same seed is used (still reproducible).
  for (let attempt = 0; ; attempt += 1) {
    try {
      await memory.updateConfiguration(generator.config);
      break;
    } catch (error) {
      if (!(error instanceof InvalidConfigurationError) || attempt > 20) throw error;
      generator = new CaseGenerator(rng, allowTimestamps);
      memory = getManager(memoryContainer, generator.uid);
    }
  }
  const sides: Side[] = [
    { label: 'memory', container: memoryContainer, manager: memory },
    { label: 'redis', container: redisContainer, manager: getManager(redisContainer, generator.uid) },
  ];
  await sides[1].manager.updateConfiguration(generator.config);
  const report: CaseReport = {
    seed,
    replay: options.replay ?? `TRIGGERS_EQUIV_SEED=${seed} npx mocha --grep 'seed ${seed}\\)'`,
    uid: generator.uid,
    config: structuredClone(generator.config),
    operations: [],
  };

  const count = rng.int(5, 15);
  let instances = (await sessionView(memory)).instances;
  for (let step = 0; step < count; step += 1) {
    const operation = generator.operation(instances);
    const memoryOutcome = await apply(sides[0], operation);
    const before = atomicPath.totals();
    const redisOutcome = await apply(sides[1], operation);
    const after = atomicPath.totals();
    const redisPath = `script ${after.applied - before.applied}, locked ${after.declined - before.declined}`;
    report.operations.push({ operation, outcome: memoryOutcome, redisPath });
    const [memoryState, redisState] = await Promise.all([sessionView(sides[0].manager), sessionView(sides[1].manager)]);
    instances = memoryState.instances;
    const where = `Redis and memory storage diverged (seed ${seed}) after operation #${step} ${JSON.stringify(operation)}`;
    if (memoryOutcome !== redisOutcome) {
      expect.fail(`${where}: outcome "${memoryOutcome}" in memory, "${redisOutcome}" in redis\n${replayText(report)}`);
    }
    const difference = firstDifference(memoryState.view, redisState.view, false);
    if (difference !== undefined) expect.fail(`${where}:\n  ${difference}\n${replayText(report)}`);
    const orderDifference = firstDifference(memoryState.view, redisState.view, true);
    if (orderDifference !== undefined) expect.fail(`${where} (same values, different key order):\n  ${orderDifference}\n${replayText(report)}`);
    check?.('memory', memoryState.instances, report);
    check?.('redis', redisState.instances, report);
  }
}

function seeds(): number[] {
  const only = process.env.TRIGGERS_EQUIV_SEED;
  if (only !== undefined && only !== '') return [Number(only)];
  const base = Number(process.env.TRIGGERS_EQUIV_BASE ?? 1);
  const cases = Number(process.env.TRIGGERS_EQUIV_CASES ?? 50);
  return Array.from({ length: cases }, (_, i) => base + i);
}

describe('storage: Redis and memory backends are equivalent (randomized)', () => {
  before(() => atomicPath.install());
  after(() => atomicPath.uninstall());
  afterEach(closeRedisContainers);

  it('generates only JSON that parses back to the same values', () => {
    for (const value of [...NUMBERS, ...STRINGS]) expect(JSON.parse(JSON.stringify(value))).to.equal(value);
    const rng = new SeededRandom(7);
    for (let i = 0; i < 200; i += 1) {
      const value = jsonObject(rng);
      expect(firstDifference(value, JSON.parse(JSON.stringify(value)), true)).to.equal(undefined);
    }
  });

  for (const seed of seeds()) {
    it(`leaves the same session state after every operation (seed ${seed})`, async () => {
      await runCase(seed);
    });
  }

  it("exercises the Redis backend's one-script path: fires, status changes, and status changes with their cascade", async () => {
    const start = { ...atomicPath };
    for (const seed of [20_001, 20_002, 20_003, 20_004, 20_005]) {
      await runCase(seed, { replay: `npx mocha --grep 'one-script path'` });
      await closeRedisContainers();
    }
    const applied = {
      fire: atomicPath.fire - start.fire,
      update: atomicPath.update - start.update,
      updateAndCascade: atomicPath.updateAndCascade - start.updateAndCascade,
    };
    expect(applied.fire, JSON.stringify(applied)).to.be.greaterThan(0);
    expect(applied.update, JSON.stringify(applied)).to.be.greaterThan(0);
    expect(applied.updateAndCascade, JSON.stringify(applied)).to.be.greaterThan(0);
  });

  it('stamps every status change with ISO-8601 UTC timestamps, lastModified never before created (both backends)', async () => {
    let checked = 0;
    for (const seed of [10_001, 10_002, 10_003, 10_004, 10_005, 10_006]) {
      await runCase(seed, {
        replay: `npx mocha --grep 'ISO-8601'`,
        check: (side, instances, report) => {
          checked += instances.length;
          const problems = instances.flatMap(timestampProblems);
          if (problems.length > 0) expect.fail(`${side} (seed ${seed}):\n  ${problems.join('\n  ')}\n${replayText(report)}`);
        },
      });
      await closeRedisContainers();
    }
    expect(checked).to.be.greaterThan(0);
  });
});

describe('storage: Redis Cluster and memory backends are equivalent (randomized, sharded layout)', function () {
  this.timeout(120_000);
  let set: RedisClusterSet | undefined;
  before(async () => {
    atomicPath.install();
    set = await RedisClusterSet.start({ masters: 3, replicasPerMaster: 0 });
  });
  after(async () => {
    atomicPath.uninstall();
    await set?.stop();
  });
  afterEach(closeRedisContainers);

  it('leaves the same session state after every operation, the one-script path taken on the cluster too (seeds 30001-30020)', async () => {
    const start = { ...atomicPath };
    for (let seed = 30_001; seed <= 30_020; seed += 1) {
      await runCase(seed, { redis: { cluster: set?.nodes ?? [], shards: 4 }, replay: `npx mocha --grep 'Redis Cluster and memory'` });
      await closeRedisContainers();
    }
    expect(atomicPath.fire - start.fire).to.be.greaterThan(0);
    expect(atomicPath.updateAndCascade - start.updateAndCascade).to.be.greaterThan(0);
  });
});
