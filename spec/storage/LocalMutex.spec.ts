import { expect } from 'chai';
import { LocalMutex } from '../../src';
import { turns } from '../support/turns';

describe('storage: LocalMutex (the in-process session lock)', () => {
  it('hands a key on in FIFO order, and only when its holder releases it', async () => {
    const mutex = new LocalMutex();
    const order: string[] = [];
    const first = mutex.tryAcquire('k');
    expect(first).not.to.equal(undefined);
    expect(mutex.tryAcquire('k')).to.equal(undefined);
    const waiting = ['a', 'b', 'c'].map((name) =>
      mutex.acquire('k').then(async (lock) => {
        order.push(name);
        await turns();
        await lock.release();
      }),
    );
    await turns();
    expect(order).to.deep.equal([]);
    expect(mutex.isLocked('k')).to.equal(true);
    expect(mutex.hasWaiters('k')).to.equal(true);
    await first?.release();
    await Promise.all(waiting);
    expect(order).to.deep.equal(['a', 'b', 'c']);
    expect(mutex.isLocked('k')).to.equal(false);
    expect(mutex.hasWaiters('k')).to.equal(false);
  });

  it('ignores a second release of the same lock (it must not free a later holder)', async () => {
    const mutex = new LocalMutex();
    const first = await mutex.acquire('k');
    const second = mutex.acquire('k');
    await first.release();
    await second;
    await first.release();
    expect(mutex.isLocked('k')).to.equal(true);
    expect(mutex.tryAcquire('k')).to.equal(undefined);
  });

  it('keeps keys independent, and frees and re-takes many keys across the sweep of idle ones', async () => {
    const mutex = new LocalMutex();
    const held = mutex.tryAcquire('held');
    for (let round = 0; round < 3; round += 1) {
      for (let i = 0; i < 1_500; i += 1) {
        const lock = mutex.tryAcquire(`k${i}`);
        expect(lock, `k${i} round ${round}`).not.to.equal(undefined);
        expect(mutex.isLocked(`k${i}`)).to.equal(true);
        lock?.releaseNow();
        expect(mutex.isLocked(`k${i}`)).to.equal(false);
      }
    }
    expect(mutex.isLocked('held')).to.equal(true);
    expect(mutex.tryAcquire('held')).to.equal(undefined);
    held?.releaseNow();
    expect(mutex.isLocked('held')).to.equal(false);
  });
});
