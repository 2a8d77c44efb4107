import { expect } from 'chai';
import {
  CommandLineError,
  DuplicateRegistrationError,
  InvalidConfigurationError,
  InvalidDashboardRequestError,
  InvalidInstanceStateError,
  InvalidKwargsError,
  InvalidSessionUidError,
  InvalidStorageSettingsError,
  InvalidTaskOptionsError,
  InvalidIdempotencyKeyError,
  InvalidTriggerNameError,
  JoinFromTaskError,
  KwargsValidationError,
  LockLostError,
  LockTimeoutError,
  MalformedJobError,
  MaxRetriesExceeded,
  RedisServerStartError,
  RunnerConfigurationError,
  StorageNotImplementedError,
  Task,
  TaskResultError,
  TriggerRegistry,
  TriggerTask,
  TriggersError,
  UnknownInstanceError,
  UnknownManagerError,
  UnknownRunnerError,
  UnknownStorageError,
  UnknownTaskError,
  WorkerLostError,
  getManager,
  parseTaskJobPayload,
  resolveNamed,
  StorageBackend,
} from '../../src';
import type { Kwargs, TaskStatus, TriggerConfiguration } from '../../src';
import * as errorClasses from '../../src/errors';
import { ThreadingTaskRunner, createTestContainer, expectInstance } from '../../src/testing';
import '../support/coreRunners';
import { fireAll, newSession } from '../support/fixtures';

/** One error built from fields: what it must carry and what its message must name. */
interface Case {
  /** The class expected. */
  type: abstract new (...args: never[]) => TriggersError;
  /** The constructed error. */
  error: TriggersError;
  /** Properties the error must have, with their values. */
  fields: Record<string, unknown>;
  /** The whole message, when it is pinned. */
  message?: string;
  /** Fragments the message must contain. */
  mentions?: string[];
}

const CASES: Case[] = [
  {
    type: InvalidDashboardRequestError,
    error: new InvalidDashboardRequestError({ parameter: 'status', value: 'done', reason: 'must be failed, running or scheduled' }),
    fields: { parameter: 'status', value: 'done', reason: 'must be failed, running or scheduled' },
    message: 'status "done": must be failed, running or scheduled',
  },
  {
    type: InvalidDashboardRequestError,
    error: new InvalidDashboardRequestError({ parameter: 'instance', reason: 'is missing' }),
    fields: { parameter: 'instance', value: undefined },
    message: 'instance: is missing',
  },
  {
    type: CommandLineError,
    error: new CommandLineError({ flag: '--redis', value: 'localhost', reason: 'expected a redis:// or rediss:// URL' }),
    fields: { flag: '--redis', value: 'localhost', reason: 'expected a redis:// or rediss:// URL' },
    message: '--redis localhost: expected a redis:// or rediss:// URL',
  },
  {
    type: CommandLineError,
    error: new CommandLineError({ flag: '--redis', reason: 'Missing --redis URL' }),
    fields: { flag: '--redis', value: undefined },
    message: 'Missing --redis URL',
  },
  {
    type: DuplicateRegistrationError,
    error: new DuplicateRegistrationError({ kind: 'task', registrationName: 'Import', className: 'ImportB', registeredClassName: 'ImportA' }),
    fields: { kind: 'task', registrationName: 'Import', className: 'ImportB', registeredClassName: 'ImportA' },
    message: 'Cannot register task "Import" for class ImportB: class ImportA is already registered under that name',
  },
  {
    type: DuplicateRegistrationError,
    error: new DuplicateRegistrationError({ kind: 'runner', registrationName: '', className: 'MyRunner' }),
    fields: { kind: 'runner', registrationName: '', className: 'MyRunner', registeredClassName: undefined },
    message: 'A runner must be registered under a non-empty name (class MyRunner)',
  },
  {
    type: InvalidConfigurationError,
    error: new InvalidConfigurationError({
      problems: [
        { task: 't_a', directive: 'after', reason: 'must not be empty unless "andEvery" is set' },
        { task: 't_b', reason: 'must be an object with "after" and "run"' },
      ],
    }),
    fields: {
      problems: [
        { task: 't_a', directive: 'after', reason: 'must not be empty unless "andEvery" is set' },
        { task: 't_b', reason: 'must be an object with "after" and "run"' },
      ],
    },
    message:
      'Invalid configuration: task "t_a": directive "after" must not be empty unless "andEvery" is set; ' +
      'task "t_b" must be an object with "after" and "run"',
  },
  {
    type: InvalidConfigurationError,
    error: new InvalidConfigurationError({ problems: [{ reason: 'must be an object mapping task names to task entries' }] }),
    fields: { problems: [{ reason: 'must be an object mapping task names to task entries' }] },
    message: 'Invalid configuration: the configuration must be an object mapping task names to task entries',
  },
  {
    type: InvalidInstanceStateError,
    error: new InvalidInstanceStateError({ instance: 't_a#0', status: 'finished', action: 'replayed' }),
    fields: { instance: 't_a#0', status: 'finished', action: 'replayed' },
    message: 'Instance "t_a#0" in finished state cannot be replayed',
  },
  {
    type: InvalidInstanceStateError,
    error: new InvalidInstanceStateError({ instance: 't_a#0', status: 'done', action: 'set' }),
    fields: { instance: 't_a#0', status: 'done', action: 'set' },
    message: 'Cannot set instance "t_a#0" to unknown status "done"',
  },
  {
    type: InvalidKwargsError,
    error: new InvalidKwargsError({ what: 'kwargs of trigger "go"', reason: 'is not JSON-serializable', path: 'at', found: 'a Date' }),
    fields: { what: 'kwargs of trigger "go"', reason: 'is not JSON-serializable', path: 'at', found: 'a Date', trigger: undefined },
    message: 'kwargs of trigger "go" is not JSON-serializable: at is a Date',
  },
  {
    type: InvalidKwargsError,
    error: new InvalidKwargsError({ what: 'metadata for "t_a#0"', reason: 'must be a JSON object', found: 'an array' }),
    fields: { what: 'metadata for "t_a#0"', found: 'an array', path: undefined },
    message: 'metadata for "t_a#0" must be a JSON object, got an array',
  },
  {
    type: InvalidKwargsError,
    error: new InvalidKwargsError({ what: 'replacement kwargs for "t_a#0"', trigger: 'go', reason: 'must be an object' }),
    fields: { what: 'replacement kwargs for "t_a#0"', trigger: 'go', reason: 'must be an object' },
    message: 'replacement kwargs for "t_a#0": kwargs of trigger "go" must be an object',
  },
  {
    type: InvalidSessionUidError,
    error: new InvalidSessionUidError({ problem: 'reopened', uid: 'b', openUid: 'a' }),
    fields: { problem: 'reopened', uid: 'b', openUid: 'a' },
    message: 'Storage backend is already open on session "a"',
  },
  {
    type: InvalidSessionUidError,
    error: new InvalidSessionUidError({ problem: 'too-long', uid: 'x'.repeat(12), limit: 10 }),
    fields: { problem: 'too-long', limit: 10 },
    message: 'Session uid is 12 characters long; the limit is 10',
  },
  {
    type: InvalidSessionUidError,
    error: new InvalidSessionUidError({ problem: 'not-a-string', uid: 7 }),
    fields: { problem: 'not-a-string', uid: 7 },
    message: 'Session uid must be a string, got number',
  },
  {
    type: InvalidStorageSettingsError,
    error: new InvalidStorageSettingsError({ setting: 'prefix', value: '', reason: 'Redis key prefix must be a non-empty string, got ""' }),
    fields: { setting: 'prefix', value: '', reason: 'Redis key prefix must be a non-empty string, got ""' },
    mentions: ['prefix', '""'],
  },
  {
    type: InvalidTaskOptionsError,
    error: new InvalidTaskOptionsError({ className: 'Retrier', task: 'Retry', option: 'maxRetries', value: 1.5, reason: 'must be a non-negative integer' }),
    fields: { className: 'Retrier', task: 'Retry', option: 'maxRetries', value: 1.5, reason: 'must be a non-negative integer' },
    message: '@TriggerTask on class Retrier (task "Retry"): maxRetries must be a non-negative integer, got 1.5',
  },
  {
    type: InvalidTaskOptionsError,
    error: new InvalidTaskOptionsError({ className: 'Nameless', option: 'name', value: '', reason: 'must be a non-empty string' }),
    fields: { className: 'Nameless', task: undefined, option: 'name', value: '' },
    message: '@TriggerTask on class Nameless: name must be a non-empty string, got ""',
  },
  {
    type: InvalidTriggerNameError,
    error: new InvalidTriggerNameError({ trigger: '__proto__', reserved: true }),
    fields: { trigger: '__proto__', reserved: true },
    message: 'Trigger name "__proto__" is reserved',
  },
  {
    type: InvalidTriggerNameError,
    error: new InvalidTriggerNameError({ trigger: 12n, reserved: false }),
    fields: { trigger: 12n, reserved: false },
    message: 'Trigger name must be a non-empty string, got 12n',
  },
  {
    type: InvalidIdempotencyKeyError,
    error: new InvalidIdempotencyKeyError({ key: '', problem: 'empty' }),
    fields: { key: '', problem: 'empty' },
    message: 'Idempotency key must not be empty',
  },
  {
    type: InvalidIdempotencyKeyError,
    error: new InvalidIdempotencyKeyError({ key: 'k', problem: 'unsupported', storageClass: 'DocStorage' }),
    fields: { key: 'k', problem: 'unsupported', storageClass: 'DocStorage' },
    message: 'Storage DocStorage does not remember applied operations, so it cannot honour idempotency key "k"',
  },
  {
    type: JoinFromTaskError,
    error: new JoinFromTaskError({ instance: 't_a#0' }),
    fields: { instance: 't_a#0' },
    message: 'ThreadingTaskRunner.joinAll() called from inside task instance "t_a#0", which it would wait for',
  },
  {
    type: KwargsValidationError,
    error: new KwargsValidationError({ instance: 't_a#0', trigger: 'page', problems: ['name: name must be a string', 'age: age must be a number'] }),
    fields: { instance: 't_a#0', trigger: 'page', problems: ['name: name must be a string', 'age: age must be a number'] },
    message: 'Kwargs of trigger "page" for "t_a#0" are invalid: name: name must be a string; age: age must be a number',
  },
  {
    type: KwargsValidationError,
    error: new KwargsValidationError({ instance: 't_a#0', trigger: 'page' }),
    fields: { instance: 't_a#0', trigger: 'page', problems: [] },
    message: 'Instance "t_a#0" received no kwargs for trigger "page"',
  },
  {
    type: LockLostError,
    error: new LockLostError({ uid: 's1' }),
    fields: { uid: 's1', notHeldFor: undefined },
    message: 'The lock of session "s1" expired or was taken over by another process before this operation wrote; nothing was written',
  },
  {
    type: LockLostError,
    error: new LockLostError({ uid: 's1', notHeldFor: 'write' }),
    fields: { uid: 's1', notHeldFor: 'write' },
    message: 'Cannot write session "s1" without holding its lock (use storage.withLock)',
  },
  {
    type: LockTimeoutError,
    error: new LockTimeoutError({ uid: 's1', waitedMs: 53, timeoutMs: 50, prefix: 'app' }),
    fields: { uid: 's1', waitedMs: 53, timeoutMs: 50, prefix: 'app', abandoned: false },
    message: 'Timed out after 50 ms waiting for the lock of session "s1" (prefix "app"): another process holds it',
  },
  {
    type: LockTimeoutError,
    error: new LockTimeoutError({ uid: 's1', waitedMs: 7, abandoned: true }),
    fields: { uid: 's1', waitedMs: 7, timeoutMs: undefined, abandoned: true },
    message: 'Stopped waiting for the lock of session "s1": the operation ended',
  },
  {
    type: MalformedJobError,
    error: new MalformedJobError({ problems: ['"uid" must be a non-empty string', '"kwargs" must be an object'] }),
    fields: { problems: ['"uid" must be a non-empty string', '"kwargs" must be an object'], unregisteredStorage: undefined },
    message: 'Malformed job payload: "uid" must be a non-empty string; "kwargs" must be an object',
  },
  {
    type: MalformedJobError,
    error: new MalformedJobError({ unregisteredStorage: 'DocStorage' }),
    fields: { problems: [], unregisteredStorage: 'DocStorage' },
    message: "Storage class DocStorage is not registered: decorate it with @Storage('name')",
  },
  {
    type: MaxRetriesExceeded,
    error: new MaxRetriesExceeded({ instance: 't_a#3', task: 'Import', depth: 3, maxRetries: 3, cause: new Error('timeout') }),
    fields: { instance: 't_a#3', task: 'Import', depth: 3, maxRetries: 3 },
    message: 'Instance "t_a#3" cannot be retried: it is at depth 3 and task "Import" allows 3 retries: timeout',
  },
  {
    type: MaxRetriesExceeded,
    error: new MaxRetriesExceeded({ instance: 't_a#0', task: 'Import', depth: 0, maxRetries: 0 }),
    fields: { instance: 't_a#0', depth: 0, maxRetries: 0, cause: undefined },
    message: 'Instance "t_a#0" cannot be retried: it is at depth 0 and task "Import" allows 0 retries',
  },
  {
    type: RedisServerStartError,
    error: new RedisServerStartError({ binary: 'no-such-redis' }),
    fields: { binary: 'no-such-redis', port: undefined },
    mentions: ['"no-such-redis" binary was not found on PATH'],
  },
  {
    type: RedisServerStartError,
    error: new RedisServerStartError({ exitCode: 1, output: 'bad config' }),
    fields: { exitCode: 1, output: 'bad config', binary: undefined },
    message: 'redis-server exited with code 1 before it was ready:\nbad config',
  },
  {
    type: RedisServerStartError,
    error: new RedisServerStartError({ port: 6399, timeoutMs: 100 }),
    fields: { port: 6399, timeoutMs: 100 },
    message: 'redis-server on port 6399 did not answer PING within 100 ms',
  },
  {
    type: RunnerConfigurationError,
    error: new RunnerConfigurationError({ runner: 'TriggerWorker', option: 'concurrency', value: 0, reason: 'Worker concurrency must be a positive integer, got 0' }),
    fields: { runner: 'TriggerWorker', option: 'concurrency', value: 0, uid: undefined },
    mentions: ['concurrency', 'got 0'],
  },
  {
    type: StorageNotImplementedError,
    error: new StorageNotImplementedError({ storageClass: 'DocStorage', method: 'saveSnapshot', alternative: 'writeChanges()' }),
    fields: { storageClass: 'DocStorage', method: 'saveSnapshot', alternative: 'writeChanges()' },
    message: 'DocStorage must implement saveSnapshot() (or writeChanges())',
  },
  {
    type: TaskResultError,
    error: new TaskResultError({ task: 'Import', instance: 't_a#0', returned: 'a number' }),
    fields: { task: 'Import', instance: 't_a#0', returned: 'a number' },
    message: 'Task "Import" (instance "t_a#0") must return an object or nothing, got a number',
  },
  {
    type: UnknownInstanceError,
    error: new UnknownInstanceError({ uid: 's1', instance: 't_a#9' }),
    fields: { uid: 's1', instance: 't_a#9' },
    message: 'Session "s1" has no task instance named "t_a#9"',
  },
  {
    type: UnknownManagerError,
    error: new UnknownManagerError({ manager: 'audit', known: ['default', 'finalizing'] }),
    fields: { manager: 'audit', known: ['default', 'finalizing'], managerClass: undefined },
    message: 'Unknown trigger manager "audit" (registered: default, finalizing)',
  },
  {
    type: UnknownManagerError,
    error: new UnknownManagerError({ managerClass: 'AuditManager', problem: 'unregistered' }),
    fields: { managerClass: 'AuditManager', problem: 'unregistered', manager: undefined },
    message: "Manager class AuditManager is not registered: decorate it with @Manager('name')",
  },
  {
    type: UnknownManagerError,
    error: new UnknownManagerError({ managerClass: 'AuditManager', problem: 'unattached' }),
    fields: { managerClass: 'AuditManager', problem: 'unattached' },
    message: 'AuditManager is not attached to a session: build it with getManager()',
  },
  {
    type: UnknownRunnerError,
    error: new UnknownRunnerError({ runner: 'celery', known: ['threading', 'bullmq'], context: 'for instance "t_a#0"' }),
    fields: { runner: 'celery', known: ['threading', 'bullmq'], context: 'for instance "t_a#0"' },
    message: 'Unknown task runner "celery" for instance "t_a#0" (registered: threading, bullmq)',
  },
  {
    type: UnknownStorageError,
    error: new UnknownStorageError({ storage: 'docs', known: [] }),
    fields: { storage: 'docs', known: [], context: undefined },
    message: 'Unknown storage backend "docs" (registered: none)',
  },
  {
    type: UnknownTaskError,
    error: new UnknownTaskError({ task: 42, known: ['Import'], context: '(run by instance "t_a#0")' }),
    fields: { task: 42, known: ['Import'], context: '(run by instance "t_a#0")', uid: undefined },
    message: 'Unknown trigger task 42 (run by instance "t_a#0") (registered: Import)',
  },
  {
    type: UnknownTaskError,
    error: new UnknownTaskError({ uid: 's1', task: 't_gone' }),
    fields: { uid: 's1', task: 't_gone', instance: undefined, known: undefined },
    message: 'Session "s1" has no task named "t_gone"',
  },
  {
    type: UnknownTaskError,
    error: new UnknownTaskError({ uid: 's1', task: 't_gone', instance: 't_gone#0' }),
    fields: { uid: 's1', task: 't_gone', instance: 't_gone#0' },
    message: 'Instance "t_gone#0" refers to task "t_gone", which the session does not configure',
  },
  {
    type: WorkerLostError,
    error: new WorkerLostError({ uid: 's1', instance: 't_a#0', jobId: '17' }),
    fields: { uid: 's1', instance: 't_a#0', jobId: '17' },
    mentions: ['"t_a#0"', '"s1"', 'replayFailedInstance', "no live worker's heartbeat"],
  },
  {
    type: WorkerLostError,
    error: new WorkerLostError({ uid: 's1', instance: 't_a#0', jobId: '17', workerId: 'host:42:ab', lastHeartbeat: new Date('2024-01-02T03:04:05.000Z'), heartbeatTimeoutMs: 15000 }),
    fields: { uid: 's1', instance: 't_a#0', jobId: '17', workerId: 'host:42:ab', heartbeatTimeoutMs: 15000 },
    mentions: ['"host:42:ab"', '2024-01-02T03:04:05.000Z', '15000 ms'],
  },
  {
    type: errorClasses.JobGoneError,
    error: new errorClasses.JobGoneError({ uid: 's1', instance: 't_a#0', status: 'running', jobId: 'i-abc', queue: 'triggers', jobState: 'missing' }),
    fields: { uid: 's1', instance: 't_a#0', status: 'running', jobId: 'i-abc', queue: 'triggers', jobState: 'missing' },
    mentions: ['"t_a#0"', 'i-abc', '"triggers"', 'no longer exists', 'replay'],
  },
  {
    type: errorClasses.InstanceFailedError,
    error: new errorClasses.InstanceFailedError({ uid: 's1', instance: 't_a#0', exceptionType: 'ValueError', exceptionMessage: 'boom', exceptionStack: 'ValueError: boom\n    at run (task.js:1:1)' }),
    fields: { uid: 's1', instance: 't_a#0', exceptionType: 'ValueError', exceptionMessage: 'boom', exceptionStack: 'ValueError: boom\n    at run (task.js:1:1)' },
    message: 'ValueError: boom',
  },
  {
    type: errorClasses.ForgedJobError,
    error: new errorClasses.ForgedJobError({ jobId: 'x-1', expectedJobId: 'i-abc', uid: 's1', instance: 't_a#0', reason: 'the job id is not the instance\'s' }),
    fields: { jobId: 'x-1', expectedJobId: 'i-abc', uid: 's1', instance: 't_a#0' },
    mentions: ['x-1', 't_a#0', 'the job id is not the instance'],
  },
  {
    type: errorClasses.StorageUnavailableError,
    error: new errorClasses.StorageUnavailableError({ uid: 's1', operation: 'fire', waitedMs: 250, target: '127.0.0.1:1', maybeApplied: false }),
    fields: { uid: 's1', operation: 'fire', waitedMs: 250, target: '127.0.0.1:1', maybeApplied: false },
    mentions: ['"s1"', 'fire', '127.0.0.1:1'],
  },
  {
    type: errorClasses.LuaScriptError,
    error: new errorClasses.LuaScriptError({ file: 'applyAtomically.lua', line: 12, reason: 'no include "putRecord"' }),
    fields: { file: 'applyAtomically.lua', line: 12, reason: 'no include "putRecord"' },
    message: 'applyAtomically.lua:12: no include "putRecord"',
  },
  {
    type: errorClasses.BullMQCompatibilityError,
    error: new errorClasses.BullMQCompatibilityError({ version: '9.0.0', supportedRange: '^6.7.0', mismatches: ['no moveToActive'] }),
    fields: { version: '9.0.0', supportedRange: '^6.7.0', mismatches: ['no moveToActive'] },
    mentions: ['bullmq 9.0.0', '^6.7.0', 'no moveToActive'],
  },
];

/** The fields of `error` read as a plain record. */
function propertiesOf(error: TriggersError): Record<string, unknown> {
  return error as unknown as Record<string, unknown>;
}

describe('errors: every error class built from its fields', () => {
  it('has a case for every exported error class', () => {
    const exported = Object.values(errorClasses).filter(
      (value): value is typeof TriggersError => typeof value === 'function' && value.prototype instanceof TriggersError,
    );
    expect(exported.length).to.be.greaterThan(20);
    expect(exported.filter((type) => !CASES.some((item) => item.type === type)).map((type) => type.name)).to.deep.equal([]);
  });

  for (const item of CASES) {
    describe(`${item.type.name} { ${Object.keys(item.fields).join(', ')} }`, () => {
      it('gives its fields back as properties', () => {
        for (const [key, value] of Object.entries(item.fields)) expect(propertiesOf(item.error)[key], key).to.deep.equal(value);
      });

      it('is named after its class and is a TriggersError (and an Error)', () => {
        expect(item.error.name).to.equal(item.type.name);
        expect(item.error).to.be.instanceOf(item.type);
        expect(item.error).to.be.instanceOf(TriggersError);
        expect(item.error).to.be.instanceOf(Error);
        expect(String(item.error)).to.equal(`${item.type.name}: ${item.error.message}`);
        expect(item.error.stack).to.be.a('string');
      });

      it('builds its message from its fields', () => {
        if (item.message !== undefined) expect(item.error.message).to.equal(item.message);
        for (const fragment of item.mentions ?? []) expect(item.error.message).to.contain(fragment);
      });
    });
  }

  it('MaxRetriesExceeded keeps the last attempt\'s error as its cause', () => {
    const cause = new Error('timeout');
    const error = new MaxRetriesExceeded({ instance: 't_a#3', task: 'Import', depth: 3, maxRetries: 3, cause });
    expect(error.cause).to.equal(cause);
    expect(new MaxRetriesExceeded({ instance: 't_a#0', task: 'Import', depth: 0, maxRetries: 0, cause: 'not an error' }).message).not.to.contain('not an error');
  });

  it('a subclass of an error class is named after the subclass', () => {
    class AppLockTimeout extends LockTimeoutError {}
    const error = new AppLockTimeout({ uid: 's1', waitedMs: 5, timeoutMs: 5 });
    expect(error.name).to.equal('AppLockTimeout');
    expect(error).to.be.instanceOf(LockTimeoutError);
    expect(error.uid).to.equal('s1');
  });
});

@TriggerTask({ name: 'ErrSpecNoRetries', maxRetries: 0 })
export class ErrSpecNoRetries extends Task {
  run(): Kwargs {
    try {
      throw this.retry({ error: new Error('flaky') });
    } catch (error) {
      if (!(error instanceof MaxRetriesExceeded)) throw error;
      return { instance: error.instance, task: error.task, depth: error.depth, maxRetries: error.maxRetries, message: error.message };
    }
  }
}

@TriggerTask({ name: 'ErrSpecUnknownRunnerTask', using: 'errSpecNoSuchRunner' })
export class ErrSpecUnknownRunnerTask extends Task {
  run(): void {}
}

@TriggerTask({ name: 'ErrSpecJoiner' })
export class ErrSpecJoiner extends Task {
  async run(): Promise<Kwargs> {
    try {
      await ThreadingTaskRunner.joinAll();
      return {};
    } catch (error) {
      if (!(error instanceof JoinFromTaskError)) throw error;
      return { instance: error.instance };
    }
  }
}

/** The error `action` throws or rejects with (a failure if it does neither). */
async function errorOf(action: Promise<unknown> | (() => unknown)): Promise<unknown> {
  try {
    await (typeof action === 'function' ? action() : action);
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('errors: real throw sites carry fields', () => {
  const CONFIG: TriggerConfiguration = { t_a: { after: ['go'], run: 'PassThruTask' } };

  it('getInstance of an unknown name rejects with UnknownInstanceError carrying uid and instance', async () => {
    const { manager } = await newSession(CONFIG);
    const error = await errorOf(manager.storage.getInstance('t_a#9'));
    expect(error).to.be.instanceOf(UnknownInstanceError);
    expect((error as UnknownInstanceError).uid).to.equal(manager.storage.uid);
    expect((error as UnknownInstanceError).instance).to.equal('t_a#9');
  });

  it('replaying a finished instance rejects with InvalidInstanceStateError carrying instance, status and action', async () => {
    const { manager } = await newSession(CONFIG);
    await fireAll(manager, ['go']);
    const error = await errorOf(manager.replayFailedInstance('t_a#0'));
    expect(error).to.be.instanceOf(InvalidInstanceStateError);
    expect({ ...(error as InvalidInstanceStateError) }).to.include({ instance: 't_a#0', status: 'finished', action: 'replayed' });
    const unknown = await errorOf(manager.updateInstanceStatus('t_a#0', 'done' as TaskStatus));
    expect({ ...(unknown as InvalidInstanceStateError) }).to.include({ instance: 't_a#0', status: 'done', action: 'set' });
  });

  it('fire refuses a reserved trigger name and unstorable kwargs with the culprit in fields', async () => {
    const { manager } = await newSession(CONFIG);
    const reserved = await errorOf(manager.fire('__proto__'));
    expect(reserved).to.be.instanceOf(InvalidTriggerNameError);
    expect({ ...(reserved as InvalidTriggerNameError) }).to.include({ trigger: '__proto__', reserved: true });
    const kwargs = await errorOf(manager.fire('go', { at: new Date(0) }));
    expect(kwargs).to.be.instanceOf(InvalidKwargsError);
    expect({ ...(kwargs as InvalidKwargsError) }).to.include({ what: 'kwargs of trigger "go"', path: 'at' });
    expect((kwargs as InvalidKwargsError).found).to.contain('Date');
  });

  it('updateConfiguration refuses with InvalidConfigurationError listing each problem by task and directive', async () => {
    const { manager } = await newSession();
    const error = await errorOf(
      manager.updateConfiguration({ t_ok: { after: ['go'], run: 'R' }, t_bad: { after: [], run: 'R' }, t_worse: 3 } as unknown as TriggerConfiguration),
    );
    expect(error).to.be.instanceOf(InvalidConfigurationError);
    const problems = (error as InvalidConfigurationError).problems;
    expect(problems.map((problem) => [problem.task, problem.directive])).to.deep.equal([
      ['t_bad', 'after'],
      ['t_worse', undefined],
    ]);
    expect((error as Error).message).to.contain('task "t_bad": directive "after" must not be empty').and.to.contain('task "t_worse" must be an object');
  });

  it('an unknown runner, manager, storage or task names the name and the registered ones', async () => {
    const { manager, container } = await newSession({ t_a: { after: ['go'], run: 'ErrSpecUnknownRunnerTask' } });
    const runner = await errorOf(manager.fire('go'));
    expect(runner).to.be.instanceOf(UnknownRunnerError);
    expect((runner as UnknownRunnerError).runner).to.equal('errSpecNoSuchRunner');
    expect((runner as UnknownRunnerError).known).to.include('threading');
    expect((runner as UnknownRunnerError).context).to.contain('t_a#0');

    const managerError = errorOfSync(() => getManager(container, 'u', { manager: 'errSpecNoSuchManager' }));
    expect(managerError).to.be.instanceOf(UnknownManagerError);
    expect((managerError as UnknownManagerError).manager).to.equal('errSpecNoSuchManager');
    expect((managerError as UnknownManagerError).known).to.include('default');

    const storage = errorOfSync(() => getManager(container, 'u', { storage: 'errSpecNoSuchStorage' }));
    expect(storage).to.be.instanceOf(UnknownStorageError);
    expect((storage as UnknownStorageError).storage).to.equal('errSpecNoSuchStorage');
    expect((storage as UnknownStorageError).known).to.include('memory');

    const task = errorOfSync(() => resolveNamed(container, 'task', 42));
    expect(task).to.be.instanceOf(UnknownTaskError);
    expect((task as UnknownTaskError).task).to.equal(42);
    expect((task as UnknownTaskError).known).to.include('PassThruTask');
  });

  it('Task.retry() past maxRetries throws MaxRetriesExceeded carrying instance, task, depth and maxRetries', async () => {
    const { manager } = await newSession({ t_r: { after: ['go'], run: 'ErrSpecNoRetries' } });
    await fireAll(manager, ['go']);
    const instance = await expectInstance(manager, 't_r#0').finished();
    expect(instance.metadata.result).to.deep.include({ instance: 't_r#0', task: 'ErrSpecNoRetries', depth: 0, maxRetries: 0 });
    expect((instance.metadata.result as { message: string }).message).to.match(/cannot be retried.*: flaky$/);
  });

  it('ThreadingTaskRunner.joinAll() from inside a task throws JoinFromTaskError naming the instance', async () => {
    const { manager } = await newSession({ t_j: { after: ['go'], run: 'ErrSpecJoiner' } });
    await fireAll(manager, ['go']);
    await expectInstance(manager, 't_j#0').finished({ instance: 't_j#0' });
  });

  it('bad @TriggerTask options and duplicate registrations carry the class, option and names', () => {
    const options = errorOfSync(() => TriggerTask({ name: 'ErrSpecBadRetries', maxRetries: -1 })(class ErrSpecBadOptions extends Task { run(): void {} }));
    expect(options).to.be.instanceOf(InvalidTaskOptionsError);
    expect({ ...(options as InvalidTaskOptionsError) }).to.include({ className: 'ErrSpecBadOptions', task: 'ErrSpecBadRetries', option: 'maxRetries', value: -1 });
    const flag = errorOfSync(() =>
      TriggerTask({ name: 'ErrSpecBadFlag', retryOnWorkerLoss: 'yes' as unknown as boolean })(class ErrSpecBadFlag extends Task { run(): void {} }),
    );
    expect({ ...(flag as InvalidTaskOptionsError) }).to.include({ className: 'ErrSpecBadFlag', option: 'retryOnWorkerLoss', value: 'yes' });

    const duplicate = errorOfSync(() => TriggerRegistry.global.register('task', 'PassThruTask', class ErrSpecImpostor {}, {}));
    expect(duplicate).to.be.instanceOf(DuplicateRegistrationError);
    expect({ ...(duplicate as DuplicateRegistrationError) }).to.include({
      kind: 'task',
      registrationName: 'PassThruTask',
      className: 'ErrSpecImpostor',
      registeredClassName: 'PassThruTask',
    });
  });

  it('a malformed job payload and a bad session uid carry what is wrong', () => {
    const job = errorOfSync(() => parseTaskJobPayload({ uid: '', instance: 't_a#0' }));
    expect(job).to.be.instanceOf(MalformedJobError);
    expect((job as MalformedJobError).problems).to.include('"uid" must be a non-empty string');
    const uid = errorOfSync(() => StorageBackend.assertValidUid(''));
    expect(uid).to.be.instanceOf(InvalidSessionUidError);
    expect({ ...(uid as InvalidSessionUidError) }).to.include({ problem: 'empty', uid: '' });
    const container = createTestContainer();
    const storage = getManager(container, 'errSpecFirst').storage;
    const reopened = errorOfSync(() => storage.open('errSpecSecond'));
    expect({ ...(reopened as InvalidSessionUidError) }).to.include({ problem: 'reopened', uid: 'errSpecSecond', openUid: 'errSpecFirst' });
  });
});

/** The error `fn` throws (a failure if it does not). */
function errorOfSync(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
