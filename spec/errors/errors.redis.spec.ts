import { expect } from 'chai';
import { LockLostError, LockTimeoutError, getManager } from '../../src';
import { closeRedisContainers, connectionOf, redisTestContainer } from '../support/redisContainers';
import '../support/coreRunners';

describe('errors: Redis lock errors carry fields', () => {
  afterEach(closeRedisContainers);

  it('a lock timeout carries the session, the time waited, the limit and the prefix', async () => {
    const holder = await redisTestContainer();
    const prefix = connectionOf(holder).settings.prefix;
    const waiter = await redisTestContainer({ prefix, lockTimeoutMs: 50 });
    const connection = connectionOf(holder);
    const lock = await connection.locks.acquire(connection.keysFor('err busy'), connection.lockOptions);
    await lock.ensure();
    const error = await getManager(waiter, 'err busy').fire('x').then(() => undefined, (e: unknown) => e);
    await lock.release();
    expect(error).to.be.instanceOf(LockTimeoutError);
    const timeout = error as LockTimeoutError;
    expect({ uid: timeout.uid, timeoutMs: timeout.timeoutMs, prefix: timeout.prefix, abandoned: timeout.abandoned }).to.deep.equal({
      uid: 'err busy',
      timeoutMs: 50,
      prefix,
      abandoned: false,
    });
    expect(timeout.waitedMs).to.be.a('number').and.to.be.at.least(50);
    expect(timeout.message).to.contain('"err busy"').and.to.contain('50 ms');
  });

  it('a lost lock carries the session', async () => {
    const frozen = await redisTestContainer({ lockTtlMs: 100, lockRenewMs: 0 });
    const other = await redisTestContainer({ prefix: connectionOf(frozen).settings.prefix });
    const storage = getManager(frozen, 'err fenced').storage;
    const attempt = storage.withLock(async (tx) => {
      await tx.tasks(); // a read: from here on this operation holds the lock
      tx.setLatestKwargs('stale', { from: 'frozen' });
      // While "frozen", the lock expires and another process does its own operation.
      await getManager(other, 'err fenced').fire('fresh', { from: 'other' });
    });
    const error = await attempt.then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(LockLostError);
    expect((error as LockLostError).uid).to.equal('err fenced');
    expect((error as LockLostError).notHeldFor).to.equal(undefined);
  });
});
