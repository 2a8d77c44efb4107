import { expect } from 'chai';
import {
  InvalidKwargsError,
  InvalidTriggerNameError,
  TRIGGERS,
  Task,
  TriggerTask,
  UnknownRunnerError,
} from '../../src';
import type { Kwargs } from '../../src';
import { ThreadingTaskRunner, createTestContainer, expectInstance, expectUnresolvedTasks } from '../../src/testing';
import { fireAll, newSession } from '../support/fixtures';
import { expectRejection } from '../support/rejection';
import { sessionState } from '../support/sessionState';

/** Declares a runner nobody registered: scheduling it must fail before any status changes. */
@TriggerTask({ name: 'MgrSpecFireUnknownRunnerTask', using: 'MgrSpecFireNoSuchRunner' })
class UnknownRunnerTask extends Task {
  run(): void {}
}
void UnknownRunnerTask;

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

describe('manager: fire', () => {
  describe('one-shot tasks', () => {
    it('run once however often their triggers fire', async () => {
      const { manager } = await newSession({ t_a: { after: ['a', 'b'], run: 'PassThruTask' } });
      await fireAll(manager, [['a', { n: 1 }], ['b', { n: 1 }], ['a', { n: 2 }], ['b', { n: 2 }], ['a', { n: 3 }]]);
      await expectInstance(manager, 't_a#0').finished({ a: { n: 1 }, b: { n: 1 } });
      await expectInstance(manager, 't_a#1').missing();
      expect(await manager.storage.getInstances()).to.have.length(1);
    });

    it('keep the kwargs of the first firing of a trigger while waiting for the others', async () => {
      const { manager } = await newSession({ t_a: { after: ['a', 'b'], run: 'PassThruTask' } });
      await fireAll(manager, [['a', { n: 1 }], ['a', { n: 2 }]]);
      const waiting = await expectInstance(manager, 't_a#0').unstarted();
      expect(waiting.kwargs).to.deep.equal({ a: { n: 1 } });
      expect(await manager.storage.getLatestKwargs()).to.deep.equal({ a: { n: 2 } });
      await fireAll(manager, [['b', { m: 1 }]]);
      await expectInstance(manager, 't_a#0').finished({ a: { n: 1 }, b: { m: 1 } });
    });

    it('create their instance on the first firing of any trigger they mention', async () => {
      const { manager } = await newSession({ t_a: { after: ['a', 'b'], run: 'PassThruTask' } });
      await expectInstance(manager, 't_a#0').missing();
      await manager.fire('b', { x: true });
      const created = await expectInstance(manager, 't_a#0').unstarted();
      expect(created.kwargs).to.deep.equal({ b: { x: true } });
    });
  });

  describe('kwargs', () => {
    it('are stored per trigger on the instance and passed to the task per trigger', async () => {
      const { manager } = await newSession({ t_a: { after: ['a', 'b'], run: 'PassThruTask' } });
      await fireAll(manager, [['a', { page: 1, list: [1, 2] }], ['b', { nested: { ok: true } }]]);
      const done = await expectInstance(manager, 't_a#0').finished({ a: { page: 1, list: [1, 2] }, b: { nested: { ok: true } } });
      expect(done.kwargs).to.deep.equal({ a: { page: 1, list: [1, 2] }, b: { nested: { ok: true } } });
      expect(done.metadata.actualKwargs).to.deep.equal(done.kwargs);
    });

    it('default to {} when omitted', async () => {
      const { manager } = await newSession({ t_a: { after: ['a'], run: 'PassThruTask' } });
      await manager.fire('a');
      await ThreadingTaskRunner.joinAll();
      await expectInstance(manager, 't_a#0').finished({ a: {} });
      expect((await manager.storage.getLatestKwargs()).a).to.deep.equal({});
    });

    it('are copied: mutating the caller’s object after fire changes nothing stored', async () => {
      const { manager } = await newSession({ t_a: { after: ['a', 'b'], run: 'PassThruTask' } });
      const kwargs: Kwargs = { n: 1, inner: { m: 1 } };
      await manager.fire('a', kwargs);
      kwargs.n = 99;
      (kwargs.inner as Kwargs).m = 99;
      expect((await manager.storage.getInstance('t_a#0')).kwargs).to.deep.equal({ a: { n: 1, inner: { m: 1 } } });
      expect(await manager.storage.getLatestKwargs()).to.deep.equal({ a: { n: 1, inner: { m: 1 } } });
    });

    it('are recorded as the latest kwargs of the trigger, replacing earlier ones', async () => {
      const { manager } = await newSession({});
      await manager.fire('a', { n: 1 });
      await manager.fire('b', { m: 1 });
      await manager.fire('a', { n: 2 });
      expect(await manager.storage.getLatestKwargs()).to.deep.equal({ a: { n: 2 }, b: { m: 1 } });
    });
  });

  describe('a complex after', () => {
    for (const order of permutations(['a', 'b', 'c'])) {
      it(`runs once all of a, b, c fired, in the order ${order.join(', ')}`, async () => {
        const { manager } = await newSession({ t_abc: { after: ['a', 'b', 'c'], run: 'PassThruTask' } });
        for (const trigger of order.slice(0, 2)) await manager.fire(trigger, { from: trigger });
        await ThreadingTaskRunner.joinAll();
        await expectInstance(manager, 't_abc#0').unstarted();
        await fireAll(manager, [[order[2], { from: order[2] }]]);
        await expectInstance(manager, 't_abc#0').finished({ a: { from: 'a' }, b: { from: 'b' }, c: { from: 'c' } });
        await expectInstance(manager, 't_abc#1').missing();
      });
    }

    it('treats a task name in after like any trigger (it waits for the cascade)', async () => {
      const { manager } = await newSession({
        t_first: { after: ['go'], run: 'DevNullTask' },
        t_second: { after: ['t_first', 'other'], run: 'PassThruTask' },
      });
      await fireAll(manager, ['other']);
      await expectInstance(manager, 't_second#0').unstarted();
      await fireAll(manager, ['go']);
      await expectInstance(manager, 't_second#0').finished({ other: {}, t_first: {} });
    });
  });

  describe('trigger names that are Object.prototype members', () => {
    it('are triggers like any other: constructor, toString and hasOwnProperty must really fire', async () => {
      const { manager } = await newSession({
        t_a: { after: ['constructor', 'go'], run: 'PassThruTask' },
        t_b: { after: ['toString'], andEvery: 'hasOwnProperty', run: 'PassThruTask' },
      });
      await fireAll(manager, ['go', ['hasOwnProperty', { h: 1 }]]);
      await expectInstance(manager, 't_a#0').unstarted();
      await expectInstance(manager, 't_b#0').unstarted();
      await fireAll(manager, [['constructor', { c: 1 }], ['toString', { t: 1 }], ['hasOwnProperty', { h: 2 }]]);
      await expectInstance(manager, 't_a#0').finished({ constructor: { c: 1 }, go: {} });
      await expectInstance(manager, 't_b#0').finished({ hasOwnProperty: { h: 1 }, toString: { t: 1 } });
      await expectInstance(manager, 't_b#1').finished({ hasOwnProperty: { h: 2 }, toString: { t: 1 } });
    });
  });

  describe('an unrelated trigger', () => {
    it('changes nothing but the latest kwargs', async () => {
      const { manager } = await newSession({
        t_a: { after: ['a', 'b'], run: 'PassThruTask' },
        t_each: { after: ['a'], andEvery: 'e', unless: ['u'], run: 'PassThruTask' },
      });
      await fireAll(manager, [['a', { n: 1 }], ['e', { p: 1 }]]);
      const before = (await sessionState(manager)) as { latestKwargs: Record<string, Kwargs> };
      await fireAll(manager, [['unrelated', { x: 1 }]]);
      const after = (await sessionState(manager)) as { latestKwargs: Record<string, Kwargs> };
      expect(after).to.deep.equal({ ...before, latestKwargs: { ...before.latestKwargs, unrelated: { x: 1 } } });
    });
  });

  describe('the returned promise', () => {
    it('settles once instances are scheduled, without waiting for them to run', async () => {
      const { manager } = await newSession({ t_a: { after: ['go'], run: 'PassThruTask' } });
      await manager.fire('go', { n: 1 });
      await expectInstance(manager, 't_a#0').scheduled();
      await ThreadingTaskRunner.joinAll();
      await expectInstance(manager, 't_a#0').finished({ go: { n: 1 } });
    });
  });

  describe('bad input', () => {
    const badKwargs: Array<[string, () => unknown]> = [
      ['a function value', () => ({ f: () => 1 })],
      ['a Date value', () => ({ when: new Date(0) })],
      ['NaN', () => ({ n: Number.NaN })],
      ['Infinity deep inside', () => ({ deep: { list: [1, Number.POSITIVE_INFINITY] } })],
      ['a BigInt', () => ({ big: BigInt(7) })],
      ['undefined', () => ({ missing: undefined })],
      ['a symbol', () => ({ s: Symbol('s') })],
      ['a cycle', () => {
        const cyclic: Record<string, unknown> = { n: 1 };
        cyclic.self = cyclic;
        return cyclic;
      }],
      ['an array instead of an object', () => [1, 2]],
      ['a string instead of an object', () => 'kwargs'],
      ['a number instead of an object', () => 3],
      ['null instead of an object', () => null],
      ['a class instance instead of an object', () => new Map([['a', 1]])],
    ];
    for (const [what, make] of badKwargs) {
      it(`refuses kwargs with ${what} with InvalidKwargsError naming the trigger, saving nothing`, async () => {
        const { manager } = await newSession({
          t_a: { after: ['a', 'b'], run: 'PassThruTask' },
          t_b: { after: ['b'], run: 'PassThruTask' },
        });
        await fireAll(manager, [['a', { n: 1 }], ['b', { n: 1 }]]);
        const before = await sessionState(manager);
        await expectRejection(manager.fire('b', make() as Kwargs), InvalidKwargsError, '"b"');
        await expectRejection(manager.fire('c', make() as Kwargs), InvalidKwargsError, '"c"');
        expect(ThreadingTaskRunner.pendingCount).to.equal(0);
        expect(await sessionState(manager)).to.deep.equal(before);
      });
    }

    const badNames: Array<[string, unknown]> = [
      ['an empty name', ''],
      ['a number', 3],
      ['undefined', undefined],
      ['null', null],
      ['an object', { name: 'a' }],
      ['the reserved name __proto__', '__proto__'],
    ];
    for (const [what, name] of badNames) {
      it(`refuses ${what} as trigger name with InvalidTriggerNameError, saving nothing`, async () => {
        const { manager } = await newSession({ t_a: { after: ['a'], andEvery: 'e', run: 'PassThruTask' } });
        const before = await sessionState(manager);
        await expectRejection(manager.fire(name as string, {}), InvalidTriggerNameError, 'Trigger name');
        expect(await sessionState(manager)).to.deep.equal(before);
      });
    }

    it('refuses an unknown runner at scheduling time with UnknownRunnerError, before any status changes', async () => {
      const { manager } = await newSession({
        t_ok: { after: ['b'], run: 'PassThruTask' },
        t_bad: { after: ['a', 'b'], run: 'MgrSpecFireUnknownRunnerTask' },
      });
      await manager.fire('a', { n: 1 });
      const before = await sessionState(manager);
      await expectRejection(manager.fire('b', { m: 1 }), UnknownRunnerError, 'MgrSpecFireNoSuchRunner', 't_bad#0');
      expect(ThreadingTaskRunner.pendingCount).to.equal(0);
      expect(await sessionState(manager)).to.deep.equal(before);
      const waiting = await expectInstance(manager, 't_bad#0').unstarted();
      expect(waiting.kwargs).to.deep.equal({ a: { n: 1 } });
      await expectInstance(manager, 't_ok#0').missing();
      await expectUnresolvedTasks(manager, ['t_bad', 't_ok']);
    });

    it('refuses an unknown default runner the same way', async () => {
      const container = createTestContainer();
      container.rebind(TRIGGERS.DefaultTaskRunnerName).toConstantValue('MgrSpecFireNoDefaultRunner');
      const { manager } = await newSession({ t_a: { after: ['go'], run: 'PassThruTask' } }, { container });
      await expectRejection(manager.fire('go'), UnknownRunnerError, 'MgrSpecFireNoDefaultRunner');
      await expectInstance(manager, 't_a#0').missing();
      expect(await manager.storage.getLatestKwargs()).to.deep.equal({});
    });
  });
});
