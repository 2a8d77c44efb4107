import { expect } from 'chai';
import { InvalidIdempotencyKeyError, InvalidStorageSettingsError, MAX_IDEMPOTENCY_KEY_LENGTH } from '../../src';
import { ThreadingTaskRunner, createTestContainer, expectInstance } from '../../src/testing';
import { newSession } from '../support/fixtures';
import '../support/SnapshotStorage';

const EVERY = { t_every: { after: ['go'], andEvery: 'go', run: 'PassThruTask' } };

describe('manager: fire with an idempotency key (memory storage)', () => {
  it('applies a repeated key once, the first kwargs standing, and applies other keys and unkeyed fires', async () => {
    const { manager } = await newSession(EVERY);
    await manager.fire('go', { n: 1 }, { idempotencyKey: 'hook-1' });
    await manager.fire('go', { n: 2 }, { idempotencyKey: 'hook-1' });
    await ThreadingTaskRunner.joinAll();
    await expectInstance(manager, 't_every#0').finished({ go: { n: 1 } });
    await expectInstance(manager, 't_every#1').missing();
    expect((await manager.storage.getLatestKwargs()).go).to.deep.equal({ n: 1 });

    await manager.fire('go', { n: 3 }, { idempotencyKey: 'hook-2' });
    await manager.fire('go', { n: 4 });
    await ThreadingTaskRunner.joinAll();
    await expectInstance(manager, 't_every#1').finished({ go: { n: 3 } });
    await expectInstance(manager, 't_every#2').finished({ go: { n: 4 } });
  });

  it('hands the repeat the instances the first fire scheduled (postFire sees them again)', async () => {
    const { container } = await newSession();
    const { manager } = await newSession(EVERY, { container });
    await manager.fire('go', {}, { idempotencyKey: 'k' });
    await ThreadingTaskRunner.joinAll();
    await manager.fire('go', {}, { idempotencyKey: 'k' });
    await ThreadingTaskRunner.joinAll();
    expect((await manager.storage.getInstances()).map((instance) => instance.name)).to.deep.equal(['t_every#0']);
  });

  it('keeps keys per session: the same key in another session applies there', async () => {
    const { container, manager: one } = await newSession(EVERY);
    const { manager: two } = await newSession(EVERY, { container });
    await one.fire('go', {}, { idempotencyKey: 'same' });
    await two.fire('go', {}, { idempotencyKey: 'same' });
    await ThreadingTaskRunner.joinAll();
    await expectInstance(one, 't_every#0').finished();
    await expectInstance(two, 't_every#0').finished();
  });

  it('forgets a key once its window ended: the key applies again', async function () {
    this.timeout(10_000);
    const container = createTestContainer({ idempotencyWindowSeconds: 1 });
    const { manager } = await newSession(EVERY, { container });
    await manager.fire('go', { n: 1 }, { idempotencyKey: 'brief' });
    await manager.fire('go', { n: 2 }, { idempotencyKey: 'brief' });
    await ThreadingTaskRunner.joinAll();
    expect(await manager.storage.getInstances()).to.have.length(1);
    // Poll (with a deadline) until the window ended: each repeat inside it changes nothing.
    const deadline = Date.now() + 5_000;
    while ((await manager.storage.getInstances()).length === 1) {
      if (Date.now() > deadline) throw new Error('the key was never forgotten');
      await new Promise((resolve) => setTimeout(resolve, 50));
      await manager.fire('go', { n: 3 }, { idempotencyKey: 'brief' });
      await ThreadingTaskRunner.joinAll();
    }
    const instances = await manager.storage.getInstances();
    expect(instances.map((instance) => instance.kwargs)).to.deep.equal([{ go: { n: 1 } }, { go: { n: 3 } }]);
  });

  it('refuses a key that is not a non-empty string of bounded length, saving nothing', async () => {
    const { manager } = await newSession(EVERY);
    const cases: Array<[unknown, string]> = [
      ['', 'empty'],
      [42, 'not-a-string'],
      ['x'.repeat(MAX_IDEMPOTENCY_KEY_LENGTH + 1), 'too-long'],
    ];
    for (const [key, problem] of cases) {
      const error = await manager.fire('go', {}, { idempotencyKey: key as string }).then(() => undefined, (e: unknown) => e);
      expect(error, String(problem)).to.be.instanceOf(InvalidIdempotencyKeyError);
      expect((error as InvalidIdempotencyKeyError).problem).to.equal(problem);
    }
    await manager.fire('go', {}, { idempotencyKey: 'x'.repeat(MAX_IDEMPOTENCY_KEY_LENGTH) });
    await ThreadingTaskRunner.joinAll();
    expect(await manager.storage.getInstances()).to.have.length(1);
  });

  it('refuses a key on a storage that does not remember operations', async () => {
    const { manager } = await newSession(EVERY, { storage: 'specSnapshots' });
    const error = await manager.fire('go', {}, { idempotencyKey: 'k' }).then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(InvalidIdempotencyKeyError);
    expect((error as InvalidIdempotencyKeyError).problem).to.equal('unsupported');
    expect(await manager.storage.getInstances()).to.deep.equal([]);
  });

  it('refuses a window that is not a positive whole number of seconds', () => {
    for (const value of [0, -1, 1.5, Number.NaN]) {
      expect(() => createTestContainer({ idempotencyWindowSeconds: value }), String(value)).to.throw(InvalidStorageSettingsError, /idempotencyWindowSeconds/);
    }
  });
});
