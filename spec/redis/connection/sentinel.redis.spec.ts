import { expect } from 'chai';
import { Redis } from 'ioredis';
import type { Container } from 'inversify';
import { StorageUnavailableError, TriggerWorker, closeTriggersContainer, createTriggersContainer, getManager } from '../../../src';
import { MemoryLogSink } from '../../../src/testing';
import { RedisSentinelSet } from '../../support/RedisSentinelSet';
import '../../support/bullmqTasks';
import { uniquePrefix } from '../../support/sharedRedis';
import { waitFor } from '../../support/waitFor';
import { spawnNode } from '../../support/childProcesses';

describe('redis/connection: a Sentinel-managed primary', function () {
  this.timeout(120_000);
  let set: RedisSentinelSet;
  const containers: Container[] = [];
  const workers: TriggerWorker[] = [];
  /** Worker-level errors other than connection trouble (which the connection health reports once per outage). */
  const workerErrors: Error[] = [];

  before(async () => {
    set = await RedisSentinelSet.start({ replicas: 2, sentinels: 3 });
  });

  after(async () => {
    for (const worker of workers.splice(0)) await worker.close();
    for (const container of containers.splice(0)) await closeTriggersContainer(container);
    await set.stop();
  });

  function sentinelContainer(prefix: string): Container {
    const container = createTriggersContainer({
      redis: { sentinels: set.sentinels, name: set.name },
      prefix,
      operationTimeoutMs: 2_000,
      // Every storage write acknowledged by a replica before it is acknowledged to the caller: a failover loses none.
      replication: { replicas: 1, timeoutMs: 1_000 },
      logSink: new MemoryLogSink(),
      connectionLog: () => undefined,
    });
    containers.push(container);
    return container;
  }

  async function startWorker(prefix: string): Promise<void> {
    const worker = new TriggerWorker(sentinelContainer(prefix), { concurrency: 4, lockDurationMs: 5_000, stalledIntervalMs: 5_000, heartbeatIntervalMs: 1_000 });
    worker.on('error', (error) => workerErrors.push(error));
    workers.push(worker);
    await worker.start();
  }

  it('stores sessions on the primary the sentinels name and runs their tasks on workers', async () => {
    const prefix = uniquePrefix('sentinel');
    await startWorker(prefix);
    const manager = getManager(sentinelContainer(prefix), 'sentinel-basic');
    await manager.updateConfiguration({ t_a: { after: ['go'], run: 'BMQ_Count' } });
    await manager.fire('go');
    await waitFor('t_a#0 finished', async () => (await manager.storage.getInstance('t_a#0')).status === 'finished');
    const primary = new Redis({ host: '127.0.0.1', port: await set.primaryPort() });
    try {
      expect(await primary.keys(`${prefix}:*`)).to.not.be.empty;
    } finally {
      primary.disconnect();
    }
  });

  it('is reached by the CLI through --sentinel and --sentinel-name', async () => {
    const prefix = uniquePrefix('sentinel-cli');
    const manager = getManager(sentinelContainer(prefix), 'sentinel-cli');
    await manager.updateConfiguration({ t_a: { after: ['go'], run: 'BMQ_Count' } });
    const sentinels = set.sentinels.map(({ host, port }) => `${host}:${port}`).join(',');
    const cli = spawnNode(['dist/src/cli/main.js', 'inspect', 'sentinel-cli', '--sentinel', sentinels, '--sentinel-name', set.name, '--prefix', prefix, '--json']);
    expect(await cli.exited).to.equal(0);
    expect(Object.keys((JSON.parse(cli.stdout()) as { tasks: Record<string, unknown> }).tasks)).to.deep.equal(['t_a']);
  });

  it('refuses a write the replicas did not acknowledge in time, as StorageUnavailableError that says the primary may have it', async () => {
    const container = createTriggersContainer({
      redis: { sentinels: set.sentinels, name: set.name },
      prefix: uniquePrefix('sentinel-wait'),
      replication: { replicas: 5, timeoutMs: 200 },
      connectionLog: () => undefined,
    });
    containers.push(container);
    const error = await getManager(container, 'too-few').updateConfiguration({ t_a: { after: ['go'], run: 'BMQ_Count' } }).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).to.be.instanceOf(StorageUnavailableError);
    expect(error).to.include({ operation: 'writeChanges', maybeApplied: true });
    expect((error as Error).message).to.contain('only 2 of 5 replicas acknowledged the write within 200 ms');
  });
});
