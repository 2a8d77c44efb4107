import { expect } from 'chai';
import { BullMQTaskRunner, StorageUnavailableError, TRIGGERS, getManager, runnerToken } from '../../../src';
import type { RedisConnection } from '../../../src';
import { ThreadingTaskRunner, expectInstance } from '../../../src/testing';
import { FAULT_TIMEOUT_MS, closeFaultContainers, faultContainer, onceAvailable, settleTimed } from '../../support/faultFixtures';
import { keysUnder } from '../../support/redisContainers';
import { RestartableRedis, freePort } from '../../support/restartableRedis';
import { closeClientInWait } from '../../support/closeClientInWait';
import { waitFor } from '../../support/waitFor';

/** Margin over the operation timeout for timers and one connection attempt on loopback. */
const MARGIN_MS = 1500;

describe('faults: Redis unreachable (in process)', function () {
  this.timeout(30_000);
  const servers: RestartableRedis[] = [];

  afterEach(async () => {
    await ThreadingTaskRunner.joinAll().catch(() => undefined);
    await closeFaultContainers();
    await Promise.all(servers.splice(0).map((server) => server.remove()));
  });

  it('fails fire with StorageUnavailableError naming the session and operation within the timeout, and writes nothing', async () => {
    const port = await freePort();
    const { container, prefix, log } = faultContainer(`redis://127.0.0.1:${port}`);
    const manager = getManager(container, 'faults-nowhere');

    const { error, ms } = await settleTimed(manager.fire('go', { n: 1 }));

    expect(error).to.be.instanceOf(StorageUnavailableError);
    const unavailable = error as StorageUnavailableError;
    expect(unavailable.uid).to.equal('faults-nowhere');
    expect(unavailable.operation).to.be.a('string').that.is.not.empty;
    expect(unavailable.target).to.equal(`127.0.0.1:${port}`);
    expect(unavailable.maybeApplied, 'nothing was ever sent').to.equal(false);
    expect(unavailable.message).to.include('"faults-nowhere"').and.include(unavailable.operation).and.include(`127.0.0.1:${port}`);
    expect(ms).to.be.at.least(FAULT_TIMEOUT_MS - 50).and.below(FAULT_TIMEOUT_MS + MARGIN_MS);
    const warnings = log.filter((entry) => entry.level === 'warn');
    expect(warnings, JSON.stringify(log)).to.have.length(1);
    expect(warnings[0].message).to.include(`127.0.0.1:${port}`).and.match(/ECONNREFUSED/);
    await closeFaultContainers();

    const server = RestartableRedis.onPort(port);
    servers.push(server);
    await server.start();
    const probe = faultContainer(server.url).container;
    expect(await keysUnder(probe, prefix)).to.deep.equal([]);
  });

  it('fails operations with the named error while the server is down, works again once it is back, and logs the outage once', async () => {
    const server = await RestartableRedis.onFreePort();
    servers.push(server);
    await server.start();
    const { container, log } = faultContainer(server.url);
    const manager = getManager(container, 'faults-restart');
    await manager.updateConfiguration({ t_a: { after: ['go'], run: 'PassThruTask' }, t_b: { after: ['again'], run: 'PassThruTask' } });
    await manager.fire('go');
    await ThreadingTaskRunner.joinAll();
    await expectInstance(manager, 't_a#0').finished();

    await server.stop();
    for (const operation of [() => manager.fire('again'), () => manager.storage.getUnresolvedInstances()]) {
      const { error, ms } = await settleTimed(operation());
      expect(error).to.be.instanceOf(StorageUnavailableError);
      expect((error as StorageUnavailableError).uid).to.equal('faults-restart');
      expect(ms).to.be.below(FAULT_TIMEOUT_MS + MARGIN_MS);
    }

    await server.start();
    await onceAvailable('a fire after the restart', () => manager.fire('again'));
    await ThreadingTaskRunner.joinAll();
    await expectInstance(manager, 't_b#0').finished();
    await expectInstance(manager, 't_a#0').finished();

    const warnings = log.filter((entry) => entry.level === 'warn');
    const recoveries = log.filter((entry) => entry.level === 'info');
    expect(warnings, JSON.stringify(log)).to.have.length(1);
    expect(warnings[0].message).to.include(`127.0.0.1:${server.port}`);
    expect(recoveries, JSON.stringify(log)).to.have.length(1);
    expect(recoveries[0].message).to.match(/reconnected after \d+\.\d s$/);
  });

  it('leaves an instance scheduled when its queue is unreachable as it is enqueued (the add timed out), and its job lands once Redis is back', async () => {
    const server = await RestartableRedis.onFreePort();
    servers.push(server);
    await server.start();
    // Sessions in memory, jobs on the restartable server: of the fire, only the enqueue meets the outage.
    const { container, prefix } = faultContainer(server.url, { defaultStorage: 'memory', defaultRunner: 'bullmq' });
    const manager = getManager(container, 'faults-enqueue');
    await manager.updateConfiguration({ t_q: { after: ['go'], run: 'PassThruTask' } });
    const queue = container.get<BullMQTaskRunner>(runnerToken('bullmq')).queue('triggers');
    await queue.getJobCounts();

    await server.stop();
    const { error, ms } = await settleTimed(manager.fire('go', { n: 1 }));
    expect(error).to.equal(undefined);
    expect(ms).to.be.at.least(FAULT_TIMEOUT_MS - 50).and.below(FAULT_TIMEOUT_MS + MARGIN_MS);
    // No fault of the instance: not failed, still waiting for its job.
    await expectInstance(manager, 't_q#0').scheduled();

    await server.start();
    const jobId = BullMQTaskRunner.jobIdFor(prefix, 'faults-enqueue', 't_q#0');
    const job = await waitFor('the add sent during the outage to land', async () => (await queue.getJob(jobId)) ?? false);
    expect(job.data.instance).to.equal('t_q#0');
    expect(await queue.getJobCounts('waiting')).to.deep.equal({ waiting: 1 });
  });

  it('reports commands of an auto-pipelined batch cut off after a partial reply (the connection closed mid-batch) as StorageUnavailableError that may be applied', async () => {
    const server = await RestartableRedis.onFreePort();
    servers.push(server);
    await server.start();
    const connection = faultContainer(server.url, { operationTimeoutMs: 5_000 }).container.get<RedisConnection>(TRIGGERS.RedisConnection);
    await connection.call('', 'ping', (redis) => redis.ping());
    // One batch: the first command is answered, the second (WAIT for a replica there is none of) holds the connection, the third waits behind it.
    const batch = [
      connection.call('faults-batch', 'first', (redis) => redis.incr('faults-batch:n')),
      connection.call('faults-batch', 'blocked', (redis) => redis.call('WAIT', 1, 4_000)),
      connection.call('faults-batch', 'behind', (redis) => redis.set('faults-batch:b', '1')),
    ].map((reply) => reply.then((value) => value, (error: unknown) => error));
    // The server closes the connection, as a killed primary's socket closes.
    expect(await closeClientInWait(server.port, async (redis) => (await redis.get('faults-batch:n')) === '1')).to.equal(1);
    const [first, ...cutOff] = await Promise.all(batch);
    expect(first).to.equal(1);
    for (const error of cutOff) {
      // ioredis rejects these with AbortError ("Command aborted due to connection close"): the connection's failure, not a reply.
      expect(error).to.be.instanceOf(StorageUnavailableError);
      expect(error).to.include({ uid: 'faults-batch', maybeApplied: true });
      expect(((error as StorageUnavailableError).cause as Error).message).to.equal('Command aborted due to connection close');
    }
  });
});
