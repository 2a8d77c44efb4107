import { expect } from 'chai';
import { StorageUnavailableError, TRIGGERS } from '../../../src';
import type { RedisConnection } from '../../../src';
import { closeFaultContainers, faultContainer } from '../../support/faultFixtures';
import { RestartableRedis } from '../../support/restartableRedis';
import { closeClientInWait } from '../../support/closeClientInWait';

describe('redis/connection: replication waits (WAIT after every storage write)', function () {
  this.timeout(30_000);
  let server: RestartableRedis;

  before(async () => {
    server = await RestartableRedis.onFreePort();
    await server.start();
  });

  afterEach(() => closeFaultContainers());

  after(() => server.remove());

  it('reports a write whose connection failed while waiting for the replicas as StorageUnavailableError that may be applied (the primary has it)', async () => {
    // No replica exists, so the WAIT holds the connection until it is closed.
    const connection = faultContainer(server.url, { operationTimeoutMs: 5_000, replication: { replicas: 1, timeoutMs: 4_000 } }).container.get<RedisConnection>(
      TRIGGERS.RedisConnection,
    );
    await connection.call('', 'ping', (redis) => redis.ping());
    const write = connection.callWrite('wait-cut', 'write', (redis) => redis.set('wait-cut:key', 'written')).then(
      () => undefined,
      (error: unknown) => error,
    );
    // As a primary killed while its replicas were catching up: the connection closes before WAIT answers.
    expect(await closeClientInWait(server.port, async (redis) => (await redis.get('wait-cut:key')) === 'written')).to.equal(1);
    const error = await write;
    expect(error).to.be.instanceOf(StorageUnavailableError);
    expect(error).to.include({ uid: 'wait-cut', operation: 'write', maybeApplied: true });
  });

  it('reports a write the replicas did not acknowledge in time as StorageUnavailableError that may be applied', async () => {
    const connection = faultContainer(server.url, { operationTimeoutMs: 2_000, replication: { replicas: 1, timeoutMs: 100 } }).container.get<RedisConnection>(
      TRIGGERS.RedisConnection,
    );
    const error = await connection.callWrite('wait-short', 'write', (redis) => redis.set('wait-short:key', 'written')).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).to.be.instanceOf(StorageUnavailableError);
    expect(error).to.include({ uid: 'wait-short', maybeApplied: true });
    expect((error as Error).message).to.contain('only 0 of 1 replicas acknowledged the write within 100 ms');
    expect(await connection.call('', 'get', (redis) => redis.get('wait-short:key'))).to.equal('written');
  });
});
