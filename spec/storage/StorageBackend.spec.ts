import { expect } from 'chai';
import {
  InvalidSessionUidError,
  MAX_SESSION_UID_LENGTH,
  Task,
  TaskConfig,
  TriggerTask,
  UnknownInstanceError,
  getManager,
} from '../../src';
import type { Kwargs, TaskContext, TriggerManager } from '../../src';
import { ThreadingTaskRunner, createTestContainer, expectInstance } from '../../src/testing';
import { fireAll, newSession } from '../support/fixtures';
import { expectRejection } from '../support/rejection';
import { turns } from '../support/turns';

@TriggerTask({ name: 'CoreSpecStorageLogs' })
export class CoreSpecStorageLogs extends Task {
  run(ctx: TaskContext): Kwargs {
    const level = (ctx.triggerKwargs.go as { level?: 'warn' | 'error' } | undefined)?.level;
    if (level !== undefined) ctx.logger[level]('logged');
    return {};
  }
}

function names(instances: Array<{ name: string }>): string[] {
  return instances.map((instance) => instance.name);
}

describe('storage: inspecting a session', () => {
  let manager: TriggerManager;

  beforeEach(async () => {
    ({ manager } = await newSession({
      t_done: { after: ['go'], run: 'DevNullTask' },
      t_waiting: { after: ['go', 'later'], run: 'DevNullTask' },
      t_never: { after: ['neverFired'], run: 'DevNullTask' },
      t_failed: { after: ['go'], run: 'FailingTask' },
      t_every: { after: [], andEvery: 'page', run: 'PassThruTask', note: 'kept' },
    }));
    await fireAll(manager, [['go', { n: 1 }], ['page', { p: 1 }], ['page', { p: 2 }]]);
  });

  it('getTasks() returns every task config by name, extras included', async () => {
    const tasks = await manager.storage.getTasks();
    expect(Object.keys(tasks).sort()).to.deep.equal(['t_done', 't_every', 't_failed', 't_never', 't_waiting']);
    expect(tasks.t_every).to.be.instanceOf(TaskConfig);
    expect(tasks.t_every.andEvery).to.equal('page');
    expect(tasks.t_every.extras).to.deep.equal({ note: 'kept' });
    expect([...tasks.t_waiting.after].sort()).to.deep.equal(['go', 'later']);
  });

  it('getInstance() returns one instance, and names the unknown one in UnknownInstanceError', async () => {
    const instance = await manager.storage.getInstance('t_every#1');
    expect(instance.kwargs).to.deep.equal({ page: { p: 2 } });
    expect(instance.config.name).to.equal('t_every');
    await expectRejection(manager.storage.getInstance('t_every#9'), UnknownInstanceError, '"t_every#9"', manager.storage.uid);
  });

  it('getInstances() returns every instance, ordered by task then number', async () => {
    expect(names(await manager.storage.getInstances())).to.deep.equal(['t_done#0', 't_every#0', 't_every#1', 't_failed#0', 't_waiting#0']);
  });

  it('orders instance numbers numerically (#2 before #10)', async () => {
    const pages: Array<[string, Kwargs]> = Array.from({ length: 9 }, (_, i) => ['page', { p: i + 3 }]);
    await fireAll(manager, pages);
    const every = names(await manager.storage.instancesOfTask('t_every'));
    expect(every).to.deep.equal(Array.from({ length: 11 }, (_, i) => `t_every#${i}`));
  });

  it('instancesOfTask() accepts a task name or a task config', async () => {
    expect(names(await manager.storage.instancesOfTask('t_every'))).to.deep.equal(['t_every#0', 't_every#1']);
    const config = (await manager.storage.getTasks()).t_waiting;
    expect(names(await manager.storage.instancesOfTask(config))).to.deep.equal(['t_waiting#0']);
    expect(await manager.storage.instancesOfTask('t_never')).to.deep.equal([]);
    expect(await manager.storage.instancesOfTask('t_unknown')).to.deep.equal([]);
  });

  it('getUnresolvedTasks() lists tasks with no instance yet or with an unresolved instance, sorted', async () => {
    const tasks = await manager.storage.getUnresolvedTasks();
    expect(tasks.map((task) => task.name)).to.deep.equal(['t_failed', 't_never', 't_waiting']);
    await manager.skipFailedInstance('t_failed#0');
    expect((await manager.storage.getUnresolvedTasks()).map((task) => task.name)).to.deep.equal(['t_never', 't_waiting']);
  });

  it('getUnresolvedInstances() lists instances not finished, abandoned, skipped or replayed', async () => {
    expect(names(await manager.storage.getUnresolvedInstances())).to.deep.equal(['t_failed#0', 't_waiting#0']);
    await manager.replayFailedInstance('t_failed#0');
    await ThreadingTaskRunner.joinAll();
    expect(names(await manager.storage.getUnresolvedInstances())).to.deep.equal(['t_failed#1', 't_waiting#0']);
  });

  it('getLatestKwargs() returns the latest kwargs of every fired trigger, cascades included', async () => {
    expect(await manager.storage.getLatestKwargs()).to.deep.equal({
      go: { n: 1 },
      page: { p: 2 },
      t_done: {},
      t_every: { page: { p: 2 } },
    });
  });

  it('debugRepr() dumps the uid, task entries, instance records and latest kwargs as plain JSON', async () => {
    const dump = await manager.storage.debugRepr();
    expect(dump.uid).to.equal(manager.storage.uid);
    expect(Object.keys(dump.tasks).sort()).to.deep.equal(['t_done', 't_every', 't_failed', 't_never', 't_waiting']);
    expect(dump.tasks.t_every).to.deep.include({ andEvery: 'page', run: 'PassThruTask', note: 'kept' });
    expect(Object.keys(dump.instances)).to.deep.equal(['t_done#0', 't_every#0', 't_every#1', 't_failed#0', 't_waiting#0']);
    expect(dump.instances['t_failed#0']).to.deep.include({ name: 't_failed#0', task: 't_failed', status: 'failed', abandonState: [] });
    expect(dump.latestKwargs.page).to.deep.equal({ p: 2 });
    expect(JSON.parse(JSON.stringify(dump))).to.deep.equal(dump);
  });

  describe('getInstancesWithUnresolvedLogs()', () => {
    it('lists instances that logged error or worse, not marked resolved, and neither replayed nor skipped', async () => {
      const { manager: m } = await newSession({
        t_failed: { after: ['go'], run: 'FailingTask' },
        t_resolvedLogs: { after: ['go'], run: 'FailingTask' },
        t_replayed: { after: ['go'], run: 'FailingTask' },
        t_skipped: { after: ['go'], run: 'FailingTask' },
        t_loggedError: { after: ['go'], run: 'CoreSpecStorageLogs', withParams: { go: { level: 'error' } } },
        t_loggedWarn: { after: ['go'], run: 'CoreSpecStorageLogs', withParams: { go: { level: 'warn' } } },
        t_quiet: { after: ['go'], run: 'CoreSpecStorageLogs' },
      });
      await fireAll(m, ['go']);
      await m.markInstanceLogsResolved('t_resolvedLogs#0');
      await m.replayFailedInstance('t_replayed#0');
      await m.skipFailedInstance('t_skipped#0');
      await ThreadingTaskRunner.joinAll();
      expect(names(await m.storage.getInstancesWithUnresolvedLogs())).to.deep.equal([
        't_failed#0',
        't_loggedError#0',
        't_replayed#1',
      ]);
      expect((await m.storage.getInstance('t_resolvedLogs#0')).logsResolved).to.equal(true);
    });
  });
});

describe('storage: sessions and uids', () => {
  const weirdUids = [
    'applicant:42',
    'survey:{7}:page',
    'with spaces and\ttabs\nand newlines',
    'ünïcødé – 日本語 – 🚀',
    '*?[]^$\\/.."\'',
    '__proto__',
    'x'.repeat(1024),
  ];

  for (const uid of weirdUids) {
    it(`runs a workflow in a session whose uid is ${JSON.stringify(uid.length > 40 ? `${uid.slice(0, 10)}… (${uid.length} chars)` : uid)}`, async () => {
      const container = createTestContainer();
      const { manager } = await newSession(
        { t_a: { after: ['go'], run: 'PassThruTask' }, t_b: { after: ['t_a'], run: 'PassThruTask' } },
        { container, uid },
      );
      const neighbour = getManager(container, `${uid}-neighbour`);
      await neighbour.updateConfiguration({ t_a: { after: ['go'], run: 'DevNullTask' } });
      await fireAll(manager, [['go', { uid }]]);
      expect(manager.storage.uid).to.equal(uid);
      await expectInstance(manager, 't_b#0').finished({ t_a: { go: { uid } } });
      await expectInstance(neighbour, 't_a#0').missing();
    });
  }

  for (const [label, uid] of [
    ['empty', ''],
    ['a number', 42],
    ['undefined', undefined],
    [`longer than ${MAX_SESSION_UID_LENGTH} characters`, 'x'.repeat(MAX_SESSION_UID_LENGTH + 1)],
  ] as const) {
    it(`refuses a uid that is ${label} with InvalidSessionUidError`, () => {
      const container = createTestContainer();
      expect(() => getManager(container, uid as unknown as string)).to.throw(InvalidSessionUidError);
    });
  }

  it('accepts a uid of exactly the maximum length', () => {
    const manager = getManager(createTestContainer(), 'u'.repeat(MAX_SESSION_UID_LENGTH));
    expect(manager.storage.uid).to.have.length(MAX_SESSION_UID_LENGTH);
  });
});

describe('storage: the session lock', () => {
  it('serialises operations on one session: a second holder waits until the first released', async () => {
    const { container, manager } = await newSession({ t_a: { after: ['go'], run: 'DevNullTask' } });
    const other = getManager(container, manager.storage.uid);
    const events: string[] = [];
    let release!: () => void;
    let entered!: () => void;
    const firstIn = new Promise<void>((resolve) => (entered = resolve));
    const first = manager.storage.withLock(async () => {
      events.push('first in');
      entered();
      await new Promise<void>((resolve) => (release = resolve));
      events.push('first out');
    });
    await firstIn;
    const second = other.storage.withLock(async () => {
      events.push('second in');
    });
    const fire = other.fire('go');
    await turns();
    expect(events).to.deep.equal(['first in']);
    expect(await other.storage.getInstances()).to.deep.equal([]);
    release();
    await Promise.all([first, second, fire]);
    expect(events).to.deep.equal(['first in', 'first out', 'second in']);
    await ThreadingTaskRunner.joinAll();
    await expectInstance(manager, 't_a#0').finished({});
  });

  it('does not block other sessions', async () => {
    const { container, manager } = await newSession();
    const other = getManager(container, `${manager.storage.uid}-other`);
    await other.updateConfiguration({ t_a: { after: ['go'], run: 'DevNullTask' } });
    let release!: () => void;
    let entered!: () => void;
    const firstIn = new Promise<void>((resolve) => (entered = resolve));
    const held = manager.storage.withLock(async () => {
      entered();
      await new Promise<void>((resolve) => (release = resolve));
    });
    await firstIn;
    await fireAll(other, ['go']);
    await expectInstance(other, 't_a#0').finished({});
    release();
    await held;
  });

  it('is re-entrant within one operation: manager calls inside withLock join it and are saved with it', async () => {
    const { manager } = await newSession({ t_a: { after: ['go'], run: 'DevNullTask' }, t_b: { after: ['a', 'b'], run: 'DevNullTask' } });
    await manager.storage.withLock(async () => {
      expect(manager.storage.isLockedHere).to.equal(true);
      await manager.fire('a', { x: 1 });
      await manager.storage.withLock(async () => {
        await manager.updateInstanceMetadata('t_b#0', { note: 'nested' });
      });
    });
    expect(manager.storage.isLockedHere).to.equal(false);
    const instance = await expectInstance(manager, 't_b#0').unstarted();
    expect(instance.metadata.note).to.equal('nested');
    expect(instance.kwargs).to.deep.equal({ a: { x: 1 } });
  });

  it('saves nothing of an operation that threw', async () => {
    const { manager } = await newSession({ t_b: { after: ['a', 'b'], run: 'DevNullTask' } });
    await manager.fire('a');
    await expectRejection(
      manager.storage.withLock(async () => {
        await manager.updateInstanceMetadata('t_b#0', { note: 'half-done' });
        throw new Error('abort');
      }),
      Error,
      'abort',
    );
    expect((await manager.storage.getInstance('t_b#0')).metadata).not.to.have.property('note');
  });

  it('work started inside a lock that runs after its release takes the lock again, and its writes are saved', async () => {
    const { manager } = await newSession({ t_b: { after: ['a', 'b'], run: 'DevNullTask' } });
    await manager.fire('a');
    let later!: Promise<boolean>;
    await manager.storage.withLock(async () => {
      later = new Promise<boolean>((resolve, reject) => {
        setImmediate(() => {
          const lockedBefore = manager.storage.isLockedHere;
          manager.updateInstanceMetadata('t_b#0', { late: true }).then(() => resolve(lockedBefore), reject);
        });
      });
    });
    expect(await later).to.equal(false);
    expect((await manager.storage.getInstance('t_b#0')).metadata.late).to.equal(true);
  });

  it('loses no update when many operations race on one session', async () => {
    const { manager } = await newSession({ t_a: { after: [], andEvery: 'page', run: 'PassThruTask' } });
    await Promise.all(Array.from({ length: 30 }, (_, i) => manager.fire('page', { i })));
    await ThreadingTaskRunner.joinAll();
    const instances = await manager.storage.instancesOfTask('t_a');
    expect(names(instances)).to.deep.equal(Array.from({ length: 30 }, (_, i) => `t_a#${i}`));
    const received = instances.map((instance) => (instance.kwargs.page as { i: number }).i).sort((a, b) => a - b);
    expect(received).to.deep.equal(Array.from({ length: 30 }, (_, i) => i));
  });
});
