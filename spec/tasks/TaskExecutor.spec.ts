import { expect } from 'chai';
import { inject } from 'inversify';
import { TRIGGERS, Task, TaskResultError, TaskStatus, TriggerTask, UnknownInstanceError, payloadFor, withContext } from '../../src';
import type { Kwargs, TaskContext, TaskExecutor } from '../../src';
import { expectRejection } from '../support/rejection';
import { expectInstance } from '../../src/testing';
import { fireAll, newSession } from '../support/fixtures';

/** Records what a run saw, so specs can look inside a task. */
const seen: Record<string, unknown[]> = {};
function record(key: string, value: unknown): void {
  (seen[key] ??= []).push(value);
}

@TriggerTask({ name: 'CoreSpecReturns' })
class CoreSpecReturns extends Task {
  run(ctx: TaskContext): Kwargs | void {
    const value = (ctx.triggerKwargs.go as { value?: unknown } | undefined)?.value;
    return value as Kwargs | void;
  }
}

@TriggerTask({ name: 'CoreSpecSeesStatus' })
class CoreSpecSeesStatus extends Task {
  async run(ctx: TaskContext): Promise<Kwargs> {
    const instance = await ctx.instance();
    return { status: instance.status, actualKwargs: instance.metadata.actualKwargs ?? null };
  }
}

@TriggerTask({ name: 'CoreSpecReturnsClassInstance' })
export class CoreSpecReturnsClassInstance extends Task {
  run(): Kwargs {
    return new Map([['rows', 3]]) as unknown as Kwargs;
  }
}

@TriggerTask({ name: 'CoreSpecNonJsonResult' })
class CoreSpecNonJsonResult extends Task {
  run(): Kwargs {
    return { when: new Date(0) };
  }
}

class CoreSpecImportFailure extends Error {}

@TriggerTask({ name: 'CoreSpecThrows' })
class CoreSpecThrows extends Task {
  run(ctx: TaskContext): never {
    const kind = (ctx.triggerKwargs.go as { kind?: string } | undefined)?.kind;
    if (kind === 'type') throw withContext(new TypeError('row is not an object'), { row: 12 });
    if (kind === 'custom') throw new CoreSpecImportFailure('subject not found');
    throw 'a bare string';
  }
}

@TriggerTask({ name: 'CoreSpecSkips' })
class CoreSpecSkips extends Task {
  run(): never {
    throw this.skip({ reason: 'nothing to import', rows: 0 });
  }
}

@TriggerTask({ name: 'CoreSpecRetriesOnce' })
class CoreSpecRetriesOnce extends Task {
  run(ctx: TaskContext): Kwargs {
    record('CoreSpecRetriesOnce', ctx.triggerKwargs);
    if (this.instance?.depth === 0) {
      throw this.retry({
        metadata: { why: 'api busy' },
        replacementKwargs: { go: { page: 2 } },
        cooldown: 3600,
      });
    }
    return { ranWith: ctx.triggerKwargs };
  }
}

@TriggerTask({ name: 'CoreSpecRetriesWithError' })
class CoreSpecRetriesWithError extends Task {
  run(): Kwargs {
    if (this.instance?.depth === 0) throw this.retry({ error: new RangeError('too soon') });
    return {};
  }
}

@TriggerTask({ name: 'CoreSpecRetryForever', maxRetries: 1 })
class CoreSpecRetryForever extends Task {
  run(): never {
    record('CoreSpecRetryForever', this.maxRetries);
    throw this.retry();
  }
}

@TriggerTask({ name: 'CoreSpecNoRetries', maxRetries: 0 })
class CoreSpecNoRetries extends Task {
  run(): never {
    throw this.retry({ error: new Error('flaky') });
  }
}

@TriggerTask({ name: 'CoreSpecFreshObject' })
class CoreSpecFreshObject extends Task {
  static constructed = 0;
  private runs = 0;

  constructor() {
    super();
    CoreSpecFreshObject.constructed += 1;
  }

  run(): Kwargs {
    this.runs += 1;
    return { runsOnThisObject: this.runs, defaultMaxRetries: this.maxRetries };
  }
}

/** A service a task receives through its constructor. */
interface CoreSpecGreeter {
  greet(name: string): string;
}
const CORE_SPEC_GREETER = Symbol('CoreSpecGreeter');

@TriggerTask({ name: 'CoreSpecInjected' })
class CoreSpecInjected extends Task {
  constructor(@inject(CORE_SPEC_GREETER) private readonly greeter: CoreSpecGreeter) {
    super();
  }

  run(ctx: TaskContext): Kwargs {
    return { greeting: this.greeter.greet((ctx.triggerKwargs.go as { who: string }).who) };
  }
}

@TriggerTask({ name: 'CoreSpecFiresMore' })
class CoreSpecFiresMore extends Task {
  async run(ctx: TaskContext): Promise<void> {
    await ctx.manager.fire('fromTask', { by: ctx.instanceName });
  }
}

/** Silences "declared but never read" for classes only used through their registered names. */
export const coreSpecTaskClasses = [
  CoreSpecReturns,
  CoreSpecSeesStatus,
  CoreSpecNonJsonResult,
  CoreSpecThrows,
  CoreSpecSkips,
  CoreSpecRetriesOnce,
  CoreSpecRetriesWithError,
  CoreSpecRetryForever,
  CoreSpecNoRetries,
  CoreSpecInjected,
  CoreSpecFiresMore,
];

describe('tasks: running a task instance', () => {
  describe('start', () => {
    it('is running while the task runs, with actualKwargs recorded', async () => {
      const { manager } = await newSession({ t_a: { after: ['go'], run: 'CoreSpecSeesStatus' } });
      await fireAll(manager, [['go', { n: 1 }]]);
      await expectInstance(manager, 't_a#0').finished({ status: 'running', actualKwargs: { go: { n: 1 } } });
      const instance = await manager.storage.getInstance('t_a#0');
      expect(instance.metadata.timestamps).to.include.keys('scheduled', 'running', 'finished');
    });

    it('runs nothing for a payload whose instance is not scheduled (a job left by a failed write, or delivered twice)', async () => {
      const { container, manager } = await newSession({ t_a: { after: ['go', 'other'], run: 'CoreSpecSeesStatus' } });
      await manager.fire('go');
      const waiting = await expectInstance(manager, 't_a#0').unstarted();
      const executor = container.get<TaskExecutor>(TRIGGERS.TaskExecutor);
      await executor.execute(payloadFor(manager, waiting));
      const after = await expectInstance(manager, 't_a#0').unstarted();
      expect(after.metadata.timestamps).to.not.have.property('running');
      expect(after.metadata.actualKwargs).to.equal(undefined);
    });

    it('rejects a payload naming an instance the session does not have with UnknownInstanceError, changing nothing', async () => {
      const { container, manager } = await newSession({ t_a: { after: ['go'], run: 'DevNullTask' } });
      const executor = container.get<TaskExecutor>(TRIGGERS.TaskExecutor);
      const payload = { uid: manager.storage.uid, instance: 't_a#7', manager: 'default', storage: 'memory', kwargs: {} };
      await expectRejection(executor.execute(payload), UnknownInstanceError, 't_a#7');
      expect((await manager.storage.getInstances()).map((i) => i.name)).to.deep.equal([]);
    });

    it('merges withParams under the trigger kwargs: instance values win, nested objects merge', async () => {
      const { manager } = await newSession({
        t_a: {
          after: ['go', 'other'],
          run: 'PassThruTask',
          withParams: {
            go: { mode: 'default', limit: 10, nested: { keep: 1, over: 'param', deeper: { a: 1 } }, list: [1, 2] },
            extra: { onlyParam: true },
          },
        },
      });
      await fireAll(manager, [
        ['go', { mode: 'fast', nested: { over: 'kwarg', deeper: { b: 2 } }, list: [3] }],
        ['other', { x: 1 }],
      ]);
      const expected = {
        go: { mode: 'fast', limit: 10, nested: { keep: 1, over: 'kwarg', deeper: { a: 1, b: 2 } }, list: [3] },
        other: { x: 1 },
        extra: { onlyParam: true },
      };
      const instance = await expectInstance(manager, 't_a#0').finished(expected);
      expect(instance.metadata.actualKwargs).to.deep.equal(expected);
      // The stored kwargs stay the triggers' own.
      expect(instance.kwargs).to.deep.equal({ go: { mode: 'fast', nested: { over: 'kwarg', deeper: { b: 2 } }, list: [3] }, other: { x: 1 } });
    });
  });

  describe('results', () => {
    it('finishes with the returned object as result and cascades it', async () => {
      const { manager } = await newSession({
        t_a: { after: ['go'], run: 'CoreSpecReturns' },
        t_b: { after: ['t_a'], run: 'PassThruTask' },
      });
      await fireAll(manager, [['go', { value: { rows: 3 } }]]);
      await expectInstance(manager, 't_a#0').finished({ rows: 3 });
      await expectInstance(manager, 't_b#0').finished({ t_a: { rows: 3 } });
      expect((await manager.storage.getLatestKwargs()).t_a).to.deep.equal({ rows: 3 });
    });

    for (const [label, go] of [
      ['nothing', {}],
      ['null', { value: null }],
    ] as const) {
      it(`treats returning ${label} as {} and still cascades`, async () => {
        const { manager } = await newSession({
          t_a: { after: ['go'], run: 'CoreSpecReturns' },
          t_b: { after: ['t_a'], run: 'PassThruTask' },
        });
        await fireAll(manager, [['go', go]]);
        await expectInstance(manager, 't_a#0').finished({});
        await expectInstance(manager, 't_b#0').finished({ t_a: {} });
      });
    }

    for (const [label, value] of [
      ['a number', 42],
      ['a string', 'done'],
      ['an array', [1, 2]],
    ] as const) {
      it(`fails with TaskResultError when the task returns ${label}, and does not cascade`, async () => {
        const { manager } = await newSession({
          t_a: { after: ['go'], run: 'CoreSpecReturns' },
          t_b: { after: ['t_a'], run: 'PassThruTask' },
        });
        await fireAll(manager, [['go', { value }]]);
        const instance = await expectInstance(manager, 't_a#0').failed(TaskResultError);
        expect(instance.metadata.exceptionInfo).to.match(/must return an object/).and.to.contain(label.split(' ')[1]);
        expect(instance.metadata.result).to.equal(undefined);
        await expectInstance(manager, 't_b#0').missing();
      });
    }

    it('fails with TaskResultError naming the class when the task returns a class instance', async () => {
      const { manager } = await newSession({ t_a: { after: ['go'], run: 'CoreSpecReturnsClassInstance' } });
      await fireAll(manager, ['go']);
      const instance = await expectInstance(manager, 't_a#0').failed(TaskResultError);
      expect(instance.metadata.exceptionInfo).to.contain('must return an object').and.to.contain('an instance of Map');
    });

    it('fails an instance whose result is not JSON-serializable', async () => {
      const { manager } = await newSession({
        t_a: { after: ['go'], run: 'CoreSpecNonJsonResult' },
        t_b: { after: ['t_a'], run: 'PassThruTask' },
      });
      await fireAll(manager, ['go']);
      const instance = await expectInstance(manager, 't_a#0').failed('InvalidKwargsError');
      expect(instance.metadata.exceptionInfo).to.contain('when').and.to.contain('Date');
      await expectInstance(manager, 't_b#0').missing();
    });
  });

  describe('skip requests', () => {
    it('marks the instance skipped with the given metadata, without cascading', async () => {
      const { manager } = await newSession({
        t_a: { after: ['go'], run: 'CoreSpecSkips' },
        t_b: { after: ['t_a'], run: 'PassThruTask' },
      });
      await fireAll(manager, ['go']);
      const instance = await expectInstance(manager, 't_a#0').skipped();
      expect(instance.metadata).to.include({ reason: 'nothing to import', rows: 0 });
      expect(instance.metadata.exceptionType).to.equal(undefined);
      await expectInstance(manager, 't_b#0').missing();
    });
  });

  describe('retry requests', () => {
    it('fails the instance with the given metadata, then replays a clone with depth, parent, cooldown and replacement kwargs', async () => {
      const { manager } = await newSession({ t_a: { after: ['go'], run: 'CoreSpecRetriesOnce' } });
      seen.CoreSpecRetriesOnce = [];
      await fireAll(manager, [['go', { page: 1 }]]);

      const first = await expectInstance(manager, 't_a#0').replayed();
      expect(first.metadata.why).to.equal('api busy');
      expect(first.metadata.timestamps).to.include.keys('failed', 'replayed');

      const clone = await expectInstance(manager, 't_a#1').finished({ ranWith: { go: { page: 2 } } });
      expect(clone.metadata).to.include({ depth: 1, parent: 't_a#0', cooldown: 3600 });
      expect(clone.kwargs).to.deep.equal({ go: { page: 2 } });
      expect(clone.metadata.why).to.equal(undefined);
      expect(seen.CoreSpecRetriesOnce).to.deep.equal([{ go: { page: 1 } }, { go: { page: 2 } }]);
    });

    it('records the error given to retry() on the failed instance', async () => {
      const { manager } = await newSession({ t_a: { after: ['go'], run: 'CoreSpecRetriesWithError' } });
      await fireAll(manager, ['go']);
      const first = await expectInstance(manager, 't_a#0').replayed();
      expect(first.metadata).to.include({ exceptionType: 'RangeError', logLevel: 'error' });
      expect(first.metadata.exceptionInfo).to.contain('too soon');
      await expectInstance(manager, 't_a#1').finished({});
    });

    it('SelfRetryingTask is replayed three times (the default maxRetries), then fails with MaxRetriesExceeded', async () => {
      const { manager } = await newSession({ t_a: { after: ['go'], run: 'SelfRetryingTask' } });
      await fireAll(manager, ['go']);
      for (const n of [0, 1, 2]) {
        const instance = await expectInstance(manager, `t_a#${n}`).replayed();
        expect(instance.depth).to.equal(n);
        expect(instance.metadata.reason).to.equal('SelfRetryingTask');
      }
      const last = await expectInstance(manager, 't_a#3').failed('MaxRetriesExceeded');
      expect(last.metadata).to.include({ depth: 3, parent: 't_a#2', logLevel: 'error' });
      expect(last.metadata.exceptionInfo).to.contain('t_a#3');
      await expectInstance(manager, 't_a#4').missing();
    });

    it('honours a custom maxRetries from @TriggerTask, readable on the task', async () => {
      const { manager } = await newSession({ t_a: { after: ['go'], run: 'CoreSpecRetryForever' } });
      seen.CoreSpecRetryForever = [];
      await fireAll(manager, ['go']);
      await expectInstance(manager, 't_a#0').replayed();
      await expectInstance(manager, 't_a#1').failed('MaxRetriesExceeded');
      await expectInstance(manager, 't_a#2').missing();
      expect(seen.CoreSpecRetryForever).to.deep.equal([1, 1]);
    });

    it('with maxRetries 0, asking to retry fails the first instance and names the original error', async () => {
      const { manager } = await newSession({ t_a: { after: ['go'], run: 'CoreSpecNoRetries' } });
      await fireAll(manager, ['go']);
      const instance = await expectInstance(manager, 't_a#0').failed('MaxRetriesExceeded');
      expect(instance.metadata.exceptionInfo).to.contain('flaky');
      await expectInstance(manager, 't_a#1').missing();
    });
  });

  describe('other errors', () => {
    it('fails with exceptionType, exceptionInfo (stack), exceptionContext and logLevel error', async () => {
      const { manager } = await newSession({
        t_a: { after: ['go'], run: 'CoreSpecThrows' },
        t_b: { after: ['t_a'], run: 'PassThruTask' },
      });
      await fireAll(manager, [['go', { kind: 'type' }]]);
      const instance = await expectInstance(manager, 't_a#0').failed(TypeError);
      expect(instance.metadata.exceptionInfo).to.match(/^TypeError: row is not an object\n\s+at /);
      expect(instance.metadata.exceptionContext).to.deep.equal({ row: 12 });
      expect(instance.metadata.logLevel).to.equal('error');
      expect(instance.status).to.equal(TaskStatus.Failed);
      await expectInstance(manager, 't_b#0').missing();
    });

    it('uses the constructor name of a custom error class', async () => {
      const { manager } = await newSession({ t_a: { after: ['go'], run: 'CoreSpecThrows' } });
      await fireAll(manager, [['go', { kind: 'custom' }]]);
      const instance = await expectInstance(manager, 't_a#0').failed('CoreSpecImportFailure');
      expect(instance.metadata.exceptionInfo).to.contain('subject not found');
      expect(instance.metadata.exceptionContext).to.equal(undefined);
    });

    it('records a thrown non-error value by its type', async () => {
      const { manager } = await newSession({ t_a: { after: ['go'], run: 'CoreSpecThrows' } });
      await fireAll(manager, [['go', { kind: 'bare' }]]);
      const instance = await expectInstance(manager, 't_a#0').failed('string');
      expect(instance.metadata.exceptionInfo).to.equal('a bare string');
    });
  });

  describe('task objects', () => {
    it('gets a fresh task object from the container for every run', async () => {
      const { manager } = await newSession({ t_a: { after: [], andEvery: 'page', run: 'CoreSpecFreshObject' } });
      const before = CoreSpecFreshObject.constructed;
      await fireAll(manager, ['page', 'page', 'page']);
      for (const n of [0, 1, 2]) await expectInstance(manager, `t_a#${n}`).finished({ runsOnThisObject: 1, defaultMaxRetries: 3 });
      expect(CoreSpecFreshObject.constructed - before).to.equal(3);
    });

    it('injects constructor services bound in the container', async () => {
      const { container, manager } = await newSession({ t_a: { after: ['go'], run: 'CoreSpecInjected' } });
      container.bind<CoreSpecGreeter>(CORE_SPEC_GREETER).toConstantValue({ greet: (name) => `hello ${name}` });
      await fireAll(manager, [['go', { who: 'ada' }]]);
      await expectInstance(manager, 't_a#0').finished({ greeting: 'hello ada' });
    });

    it('fails the instance when a constructor dependency is not bound', async () => {
      const { manager } = await newSession({ t_a: { after: ['go'], run: 'CoreSpecInjected' } });
      await fireAll(manager, [['go', { who: 'ada' }]]);
      const instance = await expectInstance(manager, 't_a#0').failed();
      expect(instance.metadata.exceptionInfo).to.contain('CoreSpecGreeter');
    });
  });

  describe('context', () => {
    it('lets the task fire more triggers through ctx.manager, and joinAll waits for what they run', async () => {
      const { manager } = await newSession({
        t_a: { after: ['go'], run: 'CoreSpecFiresMore' },
        t_b: { after: ['fromTask'], run: 'PassThruTask' },
      });
      await fireAll(manager, ['go']);
      await expectInstance(manager, 't_a#0').finished({});
      await expectInstance(manager, 't_b#0').finished({ fromTask: { by: 't_a#0' } });
    });

    it('gives the task copies: changing ctx.triggerKwargs changes nothing stored', async () => {
      const { manager } = await newSession({ t_a: { after: ['go'], run: 'CoreSpecMutatesKwargs' } });
      await fireAll(manager, [['go', { n: 1 }]]);
      const instance = await expectInstance(manager, 't_a#0').finished();
      expect(instance.kwargs).to.deep.equal({ go: { n: 1 } });
      expect(instance.metadata.actualKwargs).to.deep.equal({ go: { n: 1 } });
      expect(instance.metadata.result).to.deep.equal({ go: { n: 2, added: true } });
    });
  });
});

@TriggerTask({ name: 'CoreSpecMutatesKwargs' })
export class CoreSpecMutatesKwargs extends Task {
  run(ctx: TaskContext): Kwargs {
    const go = ctx.triggerKwargs.go as { n: number; added?: boolean };
    go.n += 1;
    go.added = true;
    return ctx.triggerKwargs;
  }
}
