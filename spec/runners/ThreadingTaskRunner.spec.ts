import { expect } from 'chai';
import { JoinFromTaskError, Task, TriggerTask, UnknownRunnerError } from '../../src';
import type { Kwargs, TaskContext } from '../../src';
import { ThreadingTaskRunner, expectInstance } from '../../src/testing';
import { fireAll, newSession } from '../support/fixtures';
import { expectRejection } from '../support/rejection';

@TriggerTask({ name: 'CoreSpecJoinsFromTask' })
export class CoreSpecJoinsFromTask extends Task {
  async run(): Promise<void> {
    await ThreadingTaskRunner.joinAll();
  }
}

@TriggerTask({ name: 'CoreSpecUnknownRunnerTask', using: 'coreSpecNoSuchRunner' })
export class CoreSpecUnknownRunnerTask extends Task {
  run(): void {}
}

@TriggerTask({ name: 'CoreSpecCooldownRetry' })
export class CoreSpecCooldownRetry extends Task {
  run(): Kwargs {
    if (this.instance?.depth === 0) throw this.retry({ cooldown: 86_400 });
    return { depth: this.instance?.depth ?? -1 };
  }
}

@TriggerTask({ name: 'CoreSpecFansOut' })
export class CoreSpecFansOut extends Task {
  async run(ctx: TaskContext): Promise<void> {
    for (let i = 0; i < 3; i += 1) await ctx.manager.fire('item', { i });
  }
}

describe('runners: ThreadingTaskRunner', () => {
  it('does not run anything before the operation that scheduled it returned', async () => {
    const { manager } = await newSession({ t_a: { after: ['go'], run: 'DevNullTask' } });
    await manager.fire('go');
    await expectInstance(manager, 't_a#0').scheduled();
    expect(ThreadingTaskRunner.pendingCount).to.be.greaterThan(0);
    await ThreadingTaskRunner.joinAll();
    await expectInstance(manager, 't_a#0').finished({});
    expect(ThreadingTaskRunner.pendingCount).to.equal(0);
  });

  it('joinAll() waits for every task and every cascade of a chain', async () => {
    const chain = Object.fromEntries(
      Array.from({ length: 6 }, (_, i) => [`t_${i}`, { after: [i === 0 ? 'go' : `t_${i - 1}`], run: 'PassThruTask' }]),
    );
    const { manager } = await newSession(chain);
    await manager.fire('go', { n: 1 });
    await ThreadingTaskRunner.joinAll();
    let expected: Kwargs = { go: { n: 1 } };
    for (let i = 0; i < 6; i += 1) {
      await expectInstance(manager, `t_${i}#0`).finished(expected);
      expected = { [`t_${i}`]: expected };
    }
  });

  it('joinAll() waits for triggers fired by tasks and for the andEvery instances they create', async () => {
    const { manager } = await newSession({
      t_fan: { after: ['go'], run: 'CoreSpecFansOut' },
      t_item: { after: [], andEvery: 'item', run: 'PassThruTask' },
      t_done: { after: ['t_item'], run: 'DevNullTask' },
    });
    await fireAll(manager, ['go']);
    for (const i of [0, 1, 2]) await expectInstance(manager, `t_item#${i}`).finished({ item: { i } });
    await expectInstance(manager, 't_done#0').finished({});
    expect(await manager.storage.getUnresolvedInstances()).to.deep.equal([]);
  });

  it('joinAll() waits for tasks of several sessions at once', async () => {
    const sessions = await Promise.all([1, 2, 3].map(() => newSession({ t_a: { after: ['go'], run: 'PassThruTask' }, t_b: { after: ['t_a'], run: 'DevNullTask' } })));
    await Promise.all(sessions.map(({ manager }) => manager.fire('go')));
    await ThreadingTaskRunner.joinAll();
    for (const { manager } of sessions) await expectInstance(manager, 't_b#0').finished({});
  });

  it('joinAll() resolves at once when nothing is running', async () => {
    await ThreadingTaskRunner.joinAll();
    expect(ThreadingTaskRunner.pendingCount).to.equal(0);
  });

  it('joinAll() called from inside a task fails that task with JoinFromTaskError', async () => {
    const { manager } = await newSession({
      t_a: { after: ['go'], run: 'CoreSpecJoinsFromTask' },
      t_b: { after: ['t_a'], run: 'DevNullTask' },
    });
    await fireAll(manager, ['go']);
    const instance = await expectInstance(manager, 't_a#0').failed(JoinFromTaskError);
    expect(instance.metadata.exceptionInfo).to.contain('t_a#0');
    await expectInstance(manager, 't_b#0').missing();
  });

  it('joinAll() rejects with the framework errors raised while running (a cascade naming an unknown runner), once', async () => {
    const { manager } = await newSession({
      t_a: { after: ['go'], run: 'DevNullTask' },
      t_b: { after: ['t_a'], run: 'CoreSpecUnknownRunnerTask' },
    });
    await manager.fire('go');
    await expectRejection(ThreadingTaskRunner.joinAll(), UnknownRunnerError, 'coreSpecNoSuchRunner', 't_b#0');
    // The task itself finished; the cascade that could not be scheduled saved nothing.
    await expectInstance(manager, 't_a#0').finished({});
    await expectInstance(manager, 't_b#0').missing();
    expect(await manager.storage.getLatestKwargs()).to.have.keys('go');
    // The error is reported once: the next join is clean.
    await ThreadingTaskRunner.joinAll();
  });

  it('joinAll() aggregates several framework errors', async () => {
    const sessions = await Promise.all(
      [1, 2].map(() => newSession({ t_a: { after: ['go'], run: 'DevNullTask' }, t_b: { after: ['t_a'], run: 'CoreSpecUnknownRunnerTask' } })),
    );
    for (const { manager } of sessions) await manager.fire('go');
    const error = await expectRejection(ThreadingTaskRunner.joinAll(), AggregateError, '2 errors');
    expect(error.errors.map((e: unknown) => (e as Error).constructor.name)).to.deep.equal(['UnknownRunnerError', 'UnknownRunnerError']);
  });

  it('does not honour cooldown by default: a replay with a one-day cooldown runs at once', async () => {
    const { manager } = await newSession({ t_a: { after: ['go'], run: 'CoreSpecCooldownRetry' } });
    const started = Date.now();
    await fireAll(manager, ['go']);
    expect(Date.now() - started).to.be.below(5000);
    await expectInstance(manager, 't_a#0').replayed();
    const replay = await expectInstance(manager, 't_a#1').finished({ depth: 1 });
    expect(replay.cooldown).to.equal(86_400);
  });
});
