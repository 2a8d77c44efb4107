import { expect } from 'chai';
import { Manager, Task, TriggerManager, TriggerTask, UnknownManagerError, getManager } from '../../src';
import type { TaskContext, TaskInstance } from '../../src';
import { ThreadingTaskRunner, createTestContainer, expectInstance } from '../../src/testing';
import '../support/coreRunners';
import { newSession } from '../support/fixtures';
import { expectRejection } from '../support/rejection';
import { turns } from '../support/turns';

/** Events per session uid, in the order they happened. */
const events = new Map<string, string[]>();

function record(uid: string, event: string): void {
  if (!events.has(uid)) events.set(uid, []);
  events.get(uid)?.push(event);
}

/**
 * Records every hook call with what it could observe: whether the session
 * lock was still held, and the stored status of the instances involved.
 */
@Manager('MgrSpecRecordingManager')
class RecordingManager extends TriggerManager {
  protected override async postFire(trigger: string, scheduled: TaskInstance[]): Promise<void> {
    await turns();
    const stored = await Promise.all(scheduled.map(async (i) => `${i.name}:${(await this.storage.getInstance(i.name)).status}`));
    record(this.storage.uid, `postFire ${trigger} [${stored.join(', ')}]${this.storage.isLockedHere ? ' LOCKED' : ''}`);
  }

  protected override async postReplay(failed: TaskInstance): Promise<void> {
    await turns();
    const clones = (await this.storage.instancesOfTask(failed.taskName)).filter((i) => i.metadata.parent === failed.name);
    record(
      this.storage.uid,
      `postReplay ${failed.name}:${failed.status} clone ${clones.map((c) => `${c.name}:${c.status}`).join(',')}${this.storage.isLockedHere ? ' LOCKED' : ''}`,
    );
  }

  protected override async postSkip(skipped: TaskInstance, cascade: boolean): Promise<void> {
    await turns();
    record(this.storage.uid, `postSkip ${skipped.name}:${skipped.status} cascade=${cascade}${this.storage.isLockedHere ? ' LOCKED' : ''}`);
  }
}
void RecordingManager;

/** Records that it ran, then returns its kwargs. */
@TriggerTask({ name: 'MgrSpecHooksRecordingTask' })
class RecordingTask extends Task {
  run(ctx: TaskContext): Record<string, unknown> {
    record(ctx.manager.storage.uid, `run ${ctx.instanceName}`);
    return ctx.triggerKwargs;
  }
}
void RecordingTask;

/** Records that it ran, then fails. */
@TriggerTask({ name: 'MgrSpecHooksFailingTask' })
class FailingRecordingTask extends Task {
  run(ctx: TaskContext): never {
    record(ctx.manager.storage.uid, `run ${ctx.instanceName}`);
    throw new Error('MgrSpecHooksFailingTask failed');
  }
}
void FailingRecordingTask;

/** Its postFire always throws. */
@Manager('MgrSpecThrowingHookManager')
class ThrowingHookManager extends TriggerManager {
  protected override postFire(): void {
    throw new Error('hook failed');
  }
}
void ThrowingHookManager;

async function recordingSession(config: Parameters<typeof newSession>[0]) {
  const session = await newSession(config, { manager: 'MgrSpecRecordingManager' });
  return { ...session, log: () => events.get(session.manager.storage.uid) ?? [] };
}

describe('manager: hooks', () => {
  it('getManager builds the registered custom manager by name', async () => {
    const { manager } = await recordingSession({});
    expect(manager).to.be.instanceOf(RecordingManager);
    expect(manager.typeName).to.equal('MgrSpecRecordingManager');
  });

  it('getManager refuses an unknown manager name with UnknownManagerError naming it', async () => {
    const container = createTestContainer();
    await expectRejection(() => getManager(container, 'uid', { manager: 'MgrSpecNoSuchManager' }), UnknownManagerError, 'MgrSpecNoSuchManager');
  });

  it('postFire runs after the lock is released and the session saved, with the scheduled instances', async () => {
    const { manager, log } = await recordingSession({
      t_a: { after: ['go'], run: 'MgrSpecHooksRecordingTask' },
      t_b: { after: ['go'], run: 'MgrSpecHooksRecordingTask' },
      t_later: { after: ['go', 'other'], run: 'MgrSpecHooksRecordingTask' },
    });
    await manager.fire('go');
    expect(log()).to.deep.equal(['postFire go [t_a#0:scheduled, t_b#0:scheduled]']);
    await ThreadingTaskRunner.joinAll();
  });

  it('postFire gets exactly the instances a runner accepted: not one its runner refused (failed), nor one still waiting', async () => {
    const { manager, log } = await recordingSession({
      t_ok: { after: ['go'], run: 'MgrSpecHooksRecordingTask' },
      t_refused: { after: ['go'], run: 'MgrSpecHooksRecordingTask', using: 'coreSpecRefusing' },
      t_waiting: { after: ['go', 'other'], run: 'MgrSpecHooksRecordingTask' },
    });
    await manager.fire('go');
    expect(log()[0]).to.equal('postFire go [t_ok#0:scheduled]');
    await expectInstance(manager, 't_refused#0').failed('CoreSpecRunnerDown');
    await expectInstance(manager, 't_waiting#0').unstarted();
    await ThreadingTaskRunner.joinAll();
  });

  it('postFire is called with no instances when nothing was scheduled', async () => {
    const { manager, log } = await recordingSession({ t_a: { after: ['a', 'b'], run: 'MgrSpecHooksRecordingTask' } });
    await manager.fire('a');
    await manager.fire('unrelated');
    expect(log()).to.deep.equal(['postFire a []', 'postFire unrelated []']);
  });

  it('the in-process runner starts instances only after the whole fire returned (hook included), and the custom manager’s hooks run for cascades too', async () => {
    const { manager, log } = await recordingSession({
      t_a: { after: ['go'], run: 'MgrSpecHooksRecordingTask' },
      t_b: { after: ['t_a'], run: 'MgrSpecHooksRecordingTask' },
    });
    await manager.fire('go', { n: 1 });
    record(manager.storage.uid, 'fire returned');
    await ThreadingTaskRunner.joinAll();
    expect(log()).to.deep.equal([
      'postFire go [t_a#0:scheduled]',
      'fire returned',
      'run t_a#0',
      'postFire t_a [t_b#0:scheduled]',
      'run t_b#0',
      'postFire t_b []',
    ]);
    await expectInstance(manager, 't_b#0').finished({ t_a: { go: { n: 1 } } });
  });

  it('postReplay runs with the replayed instance after the clone was saved and scheduled; the clone starts after it', async () => {
    const { manager, log } = await recordingSession({ t_a: { after: ['go'], run: 'MgrSpecHooksFailingTask' } });
    await manager.fire('go');
    await ThreadingTaskRunner.joinAll();
    await expectInstance(manager, 't_a#0').failed('Error');
    await manager.replayFailedInstance('t_a#0');
    record(manager.storage.uid, 'replay returned');
    await ThreadingTaskRunner.joinAll();
    expect(log()).to.deep.equal([
      'postFire go [t_a#0:scheduled]',
      'run t_a#0',
      'postReplay t_a#0:replayed clone t_a#1:scheduled',
      'replay returned',
      'run t_a#1',
    ]);
  });

  it('postReplay also runs when a task asks to be retried (the worker-side path)', async () => {
    const { manager, log } = await recordingSession({ t_r: { after: ['go'], run: 'SelfRetryingTask' } });
    await manager.fire('go');
    await ThreadingTaskRunner.joinAll();
    expect(log().filter((e) => e.startsWith('postReplay'))).to.deep.equal([
      'postReplay t_r#0:replayed clone t_r#1:scheduled',
      'postReplay t_r#1:replayed clone t_r#2:scheduled',
      'postReplay t_r#2:replayed clone t_r#3:scheduled',
    ]);
    await expectInstance(manager, 't_r#3').failed('MaxRetriesExceeded');
  });

  it('postSkip runs after the cascade’s postFire; dependents start after postSkip returned', async () => {
    const { manager, log } = await recordingSession({
      t_a: { after: ['go'], run: 'MgrSpecHooksFailingTask' },
      t_b: { after: ['t_a'], run: 'MgrSpecHooksRecordingTask' },
    });
    await manager.fire('go');
    await ThreadingTaskRunner.joinAll();
    await manager.skipFailedInstance('t_a#0', { cascade: true, result: { r: 1 } });
    record(manager.storage.uid, 'skip returned');
    await ThreadingTaskRunner.joinAll();
    expect(log()).to.deep.equal([
      'postFire go [t_a#0:scheduled]',
      'run t_a#0',
      'postFire t_a [t_b#0:scheduled]',
      'postSkip t_a#0:skipped cascade=true',
      'skip returned',
      'run t_b#0',
      'postFire t_b []',
    ]);
  });

  it('postSkip without cascade fires nothing', async () => {
    const { manager, log } = await recordingSession({ t_a: { after: ['go'], run: 'MgrSpecHooksFailingTask' } });
    await manager.fire('go');
    await ThreadingTaskRunner.joinAll();
    await manager.skipFailedInstance('t_a#0');
    expect(log().slice(2)).to.deep.equal(['postSkip t_a#0:skipped cascade=false']);
  });

  it('a failing postFire rejects fire, but the firing was saved and its instances still run', async () => {
    const { manager } = await newSession({ t_a: { after: ['go'], run: 'PassThruTask' } }, { manager: 'MgrSpecThrowingHookManager' });
    await expectRejection(manager.fire('go', { n: 1 }), Error, 'hook failed');
    await expectInstance(manager, 't_a#0').scheduled();
    await ThreadingTaskRunner.joinAll().catch(() => undefined);
    await expectInstance(manager, 't_a#0').finished({ go: { n: 1 } });
  });
});
