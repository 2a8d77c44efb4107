import { expect } from 'chai';
import { ExecutionContext } from '../../src/context/ExecutionContext';
import { OperationScope } from '../../src/manager/OperationScope';

/** Resolves after the pending immediates (what `defer` outside an operation schedules) ran. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('OperationScope.runEntering (an operation entering its frame only where it says)', () => {
  it('runs its own part in the caller’s frame: no operation there', async () => {
    let seen: unknown = 'not run';
    await OperationScope.runEntering(async () => {
      seen = ExecutionContext.current().operation;
    });
    expect(seen).to.equal(undefined);
  });

  it('defers work started within until the whole operation ended, after its own part', async () => {
    const order: string[] = [];
    await OperationScope.runEntering(async (within) => {
      await within(async () => {
        OperationScope.defer(() => order.push('deferred'));
        // A nested operation joins the enclosing one: its deferred work waits for the outer one too.
        await OperationScope.run(async () => OperationScope.defer(() => order.push('nested')));
        order.push('within done');
      });
      await Promise.resolve();
      order.push('own part done');
    });
    expect(order).to.deep.equal(['within done', 'own part done', 'deferred', 'nested']);
  });

  it('inside an operation under way, joins it: work deferred within waits for the outer operation', async () => {
    const order: string[] = [];
    await OperationScope.run(async () => {
      await OperationScope.runEntering(async (within) => {
        within(() => OperationScope.defer(() => order.push('deferred')));
      });
      order.push('outer done');
    });
    expect(order).to.deep.equal(['outer done', 'deferred']);
  });

  it('a frame entered within is completed once the operation ended: work that merely inherited it starts a new one', async () => {
    let later: Promise<boolean> | undefined;
    await OperationScope.runEntering(async (within) => {
      within(() => {
        later = nextTurn().then(() => ExecutionContext.current().operation?.completed === true);
      });
    });
    expect(await later).to.equal(true);
  });

  it('rejects with what its function throws synchronously, and still runs the work deferred before', async () => {
    const order: string[] = [];
    const failure = new Error('boom');
    const result = OperationScope.runEntering((within) => {
      within(() => OperationScope.defer(() => order.push('deferred')));
      throw failure;
    });
    let caught: unknown;
    await result.catch((error: unknown) => (caught = error));
    expect(caught).to.equal(failure);
    expect(order).to.deep.equal(['deferred']);
  });
});
