import { expect } from 'chai';
import { Cluster, Redis } from 'ioredis';
import { InvalidStorageSettingsError, createTriggersContainer } from '../../../src';
import { RedisEndpoint } from '../../../src/redis/connection/RedisEndpoint';

describe('redis/connection: RedisEndpoint (the shapes of the redis option)', () => {
  it('takes a URL, a unix socket path, ioredis options, { sentinels, name } and an ioredis client, naming the target without passwords', () => {
    expect(RedisEndpoint.from('redis://:secret@10.1.2.3:6380/2').target).to.equal('10.1.2.3:6380');
    expect(RedisEndpoint.from('rediss://cache.example:6390').target).to.equal('cache.example:6390');
    expect(RedisEndpoint.from('/tmp/redis.sock').target).to.equal('/tmp/redis.sock');
    expect(RedisEndpoint.from({ host: '127.0.0.1', port: 7000, password: 'x' }).target).to.equal('127.0.0.1:7000');
    expect(RedisEndpoint.from({ sentinels: [{ host: '127.0.0.1', port: 26379 }, { host: '127.0.0.1', port: 26380 }], name: 'mymaster' }).target).to.equal(
      'primary "mymaster" via sentinels 127.0.0.1:26379,127.0.0.1:26380',
    );
    const client = new Redis({ host: '127.0.0.1', port: 7001, lazyConnect: true });
    expect(RedisEndpoint.from(client).target).to.equal('127.0.0.1:7001');
  });

  it('gives every client and BullMQ the same server with the overrides on top', () => {
    const endpoint = RedisEndpoint.from({ host: '127.0.0.1', port: 7002, db: 3 });
    const client = endpoint.client({ lazyConnect: true, maxRetriesPerRequest: null });
    expect(client.options).to.include({ host: '127.0.0.1', port: 7002, db: 3, maxRetriesPerRequest: null });
    expect(endpoint.bullmqOptions({ maxRetriesPerRequest: null })).to.include({ host: '127.0.0.1', port: 7002, db: 3 });
    const sentinel = RedisEndpoint.from({ sentinels: [{ host: '127.0.0.1', port: 26379 }], name: 'p', options: { password: 'pw' } });
    expect(sentinel.client({ lazyConnect: true }).options).to.deep.include({ name: 'p', password: 'pw', sentinels: [{ host: '127.0.0.1', port: 26379 }] });
    expect(RedisEndpoint.from('redis://127.0.0.1:7003').bullmqOptions({})).to.include({ url: 'redis://127.0.0.1:7003' });
  });

  it('takes { cluster, options?, shards? } and an app\'s ioredis Cluster: a Cluster client per connection, the nodes\' options on every node, 16 shards by default', () => {
    const endpoint = RedisEndpoint.from({ cluster: [{ host: '127.0.0.1', port: 7100 }, { host: '127.0.0.1', port: 7101 }], options: { redisOptions: { password: 'pw' } } });
    expect(endpoint.isCluster).to.equal(true);
    expect(endpoint.target).to.equal('cluster 127.0.0.1:7100,127.0.0.1:7101');
    expect(endpoint.shardsOf('app').count).to.equal(16);
    expect(endpoint.shardsOf('app').keyPrefixOf(3)).to.equal('{app.s3}');
    const client = endpoint.client({ lazyConnect: true, maxRetriesPerRequest: null, enableAutoPipelining: true }) as unknown as Cluster;
    try {
      expect(client.isCluster).to.equal(true);
      expect(client.options.enableAutoPipelining).to.equal(true);
      expect(client.options.redisOptions).to.include({ password: 'pw', maxRetriesPerRequest: null, lazyConnect: true });
    } finally {
      client.disconnect();
    }
    const bull = endpoint.bullmqOptions({ maxRetriesPerRequest: null });
    expect(bull).to.be.instanceOf(Cluster);
    (bull as Cluster).disconnect();
    const own = new Cluster(['127.0.0.1:7200', { host: '127.0.0.1', port: 7201 }], { lazyConnect: true, redisOptions: { username: 'u' } });
    const fromOwn = RedisEndpoint.from(own);
    expect(fromOwn.target).to.equal('cluster 127.0.0.1:7200,127.0.0.1:7201');
    expect(RedisEndpoint.from({ cluster: [{ host: 'h', port: 1 }], shards: 4 }).shardsOf('p').count).to.equal(4);
    // A single server keeps the unsharded layout.
    expect(RedisEndpoint.from('redis://127.0.0.1:7003').shardsOf('app').keyPrefixOf(0)).to.equal('app');
    expect(RedisEndpoint.from('redis://127.0.0.1:7003').isCluster).to.equal(false);
  });

  const refused: Array<[string, unknown, string]> = [
    ['an empty string (ioredis would read localhost:6379)', '', 'must be a redis:// or rediss:// URL'],
    ['a bare host:port', '127.0.0.1:6379', 'must be a redis:// or rediss:// URL'],
    ['a number', 6379, 'must be a redis:// or rediss:// URL, ioredis options'],
    ['sentinels without a name', { sentinels: [{ host: 'h', port: 1 }] }, '"name" must name the monitored primary'],
    ['an empty sentinel list', { sentinels: [], name: 'p' }, '"sentinels" must be a non-empty array'],
    ['a sentinel without a port', { sentinels: [{ host: 'h' }], name: 'p' }, '"sentinels" must be a non-empty array of { host, port }'],
    ['an empty cluster node list', { cluster: [] }, '"cluster" must be a non-empty array of { host, port }'],
    ['a cluster node without a port', { cluster: [{ host: 'h' }] }, '"cluster" must be a non-empty array of { host, port }'],
    ['a cluster node list that is a string', { cluster: 'h:1,h:2' }, '"cluster" must be a non-empty array of { host, port }'],
    ['zero cluster shards', { cluster: [{ host: 'h', port: 1 }], shards: 0 }, '"shards" must be a whole number from 1 to 1024'],
    ['a fractional cluster shard count', { cluster: [{ host: 'h', port: 1 }], shards: 2.5 }, '"shards" must be a whole number from 1 to 1024'],
    ['cluster options that are not an object', { cluster: [{ host: 'h', port: 1 }], options: 'x' }, '"options" must be ioredis Cluster options'],
    ['a port that is not a number', { host: 'h', port: 'x' }, '"port" must be a positive integer'],
  ];
  for (const [what, value, message] of refused) {
    it(`refuses ${what} with InvalidStorageSettingsError, when the container is created`, () => {
      expect(() => createTriggersContainer({ redis: value as string })).to.throw(InvalidStorageSettingsError, message);
    });
  }

  it('never shows a URL\'s password in the error', () => {
    expect(() => RedisEndpoint.from('http://user:hunter2@host:1')).to.throw(InvalidStorageSettingsError).that.satisfies((error: Error) => !error.message.includes('hunter2'));
  });
});
