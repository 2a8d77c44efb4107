import { expect } from 'chai';
import calculateSlot from 'cluster-key-slot';
import { InvalidStorageSettingsError } from '../../../src';
import { RedisSessionKeys } from '../../../src/redis/storage/RedisSessionKeys';
import { SessionShards } from '../../../src/redis/storage/SessionShards';

describe('redis/storage: SessionShards (where a session lives on a Cluster)', () => {
  it('keeps the unsharded layout on a single server: one shard whose key prefix is the prefix itself', () => {
    const shards = new SessionShards('app', undefined);
    expect(shards.sharded).to.equal(false);
    expect(shards.count).to.equal(1);
    expect(shards.shardOf('any uid')).to.equal(0);
    expect(new RedisSessionKeys('app', 'u', shards.keyPrefixFor('u')).base).to.equal(new RedisSessionKeys('app', 'u').base);
    expect(shards.bullmqPrefixOf(0)).to.equal('app:bull');
  });

  it('places a uid on a stable shard whose session keys, indexes and queues share one slot', () => {
    const shards = new SessionShards('app', 16);
    expect(shards.sharded).to.equal(true);
    expect(shards.all).to.have.length(16);
    // Stable across processes and releases: the first 32 bits of SHA-1 of the UTF-16LE uid.
    expect([shards.shardOf('session-1'), shards.shardOf('session-2'), shards.shardOf('é☃{}:x')]).to.deep.equal([14, 14, 11]);
    const counts = new Array<number>(16).fill(0);
    for (let i = 0; i < 1600; i += 1) counts[shards.shardOf(`uid-${i}`)] += 1;
    expect(Math.min(...counts)).to.be.greaterThan(50);
    for (const uid of ['a', 'b:{c}', 'x'.repeat(500)]) {
      const keyPrefix = shards.keyPrefixFor(uid);
      expect(keyPrefix).to.equal(`{app.s${shards.shardOf(uid)}}`);
      const keys = new RedisSessionKeys('app', uid, keyPrefix);
      const slot = calculateSlot(keys.lock);
      for (const key of [...keys.scriptKeys, keys.unstarted('t{x}'), RedisSessionKeys.indexKey(keyPrefix, 'failed'), `${shards.bullmqPrefixOf(shards.shardOf(uid))}:q:wait`]) {
        expect(calculateSlot(key), key).to.equal(slot);
      }
    }
    expect(shards.shardOfKeyPrefix('{app.s3}')).to.equal(3);
    expect(shards.shardOfKeyPrefix('app')).to.equal(undefined);
  });

  for (const count of [0, -1, 1.5, 1025, Number.NaN]) {
    it(`refuses ${count} shards with InvalidStorageSettingsError`, () => {
      expect(() => new SessionShards('app', count)).to.throw(InvalidStorageSettingsError, 'whole number from 1 to 1024');
    });
  }
});
