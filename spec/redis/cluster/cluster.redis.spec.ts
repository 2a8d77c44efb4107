import { expect } from 'chai';
import { Cluster } from 'ioredis';
import type { Container } from 'inversify';
import calculateSlot from 'cluster-key-slot';
import { TaskStatus, TriggerWorker, closeTriggersContainer, createTriggersContainer, getManager } from '../../../src';
import type { TriggersContainerOptions } from '../../../src';
import { MemoryLogSink } from '../../../src/testing';
import { RedisConnection } from '../../../src/redis/connection/RedisConnection';
import { TRIGGERS } from '../../../src/registry/tokens';
import { RedisClusterSet } from '../../support/RedisClusterSet';
import { countedRuns, runKey } from '../../support/bullmqTasks';
import { uniquePrefix } from '../../support/sharedRedis';
import { waitFor } from '../../support/waitFor';

describe('redis/cluster: sessions and queues sharded over a Redis Cluster', function () {
  this.timeout(120_000);
  let set: RedisClusterSet;
  const containers: Container[] = [];
  const workers: TriggerWorker[] = [];
  const workerErrors: Error[] = [];

  before(async () => {
    set = await RedisClusterSet.start({ masters: 3, replicasPerMaster: 0 });
  });

  after(async () => {
    for (const worker of workers.splice(0)) await worker.close();
    for (const container of containers.splice(0)) await closeTriggersContainer(container);
    await set?.stop();
  });

  function clusterContainer(prefix: string, more: Partial<TriggersContainerOptions> = {}): Container {
    const container = createTriggersContainer({
      redis: { cluster: set.nodes, shards: 8 },
      prefix,
      operationTimeoutMs: 5_000,
      logSink: new MemoryLogSink(),
      connectionLog: () => undefined,
      ...more,
    });
    containers.push(container);
    return container;
  }

  async function startWorker(prefix: string, more: Partial<TriggersContainerOptions> = {}): Promise<TriggerWorker> {
    const worker = new TriggerWorker(clusterContainer(prefix, more), { concurrency: 4, heartbeatIntervalMs: 1_000, reconcileIntervalMs: 0 });
    worker.on('error', (error) => workerErrors.push(error));
    workers.push(worker);
    await worker.start();
    return worker;
  }

  it('spreads sessions over every shard and every master, and runs each session\'s cascade on a worker consuming all shards', async () => {
    const prefix = uniquePrefix('cluster');
    await startWorker(prefix);
    const container = clusterContainer(prefix);
    const uids = Array.from({ length: 24 }, (_, i) => `cluster-session:${i}`);
    await Promise.all(
      uids.map(async (uid) => {
        const manager = getManager(container, uid);
        await manager.updateConfiguration({
          t_a: { after: ['go'], run: 'BMQ_Count' },
          t_b: { after: ['t_a'], run: 'BMQ_Count' },
        });
        await manager.fire('go', { n: 1 });
      }),
    );
    for (const uid of uids) {
      const manager = getManager(container, uid);
      await waitFor(`${uid} t_b#0 finished`, async () => (await manager.storage.getInstance('t_b#0').catch(() => undefined))?.status === TaskStatus.Finished, 30_000);
      expect(countedRuns.get(runKey(uid, 't_a#0'))).to.equal(1);
    }
    const connection = container.get<RedisConnection>(TRIGGERS.RedisConnection);
    const shards = new Set(uids.map((uid) => connection.shards.shardOf(uid)));
    expect(shards.size).to.equal(8);
    const masters = new Set<string>();
    const cluster = new Cluster(set.nodes);
    try {
      for (const uid of uids) {
        const keys = connection.keysFor(uid);
        // Every key one script touches lives in the session shard's slot: the session's, the shard's index and queues.
        const slot = calculateSlot(keys.lock);
        expect(calculateSlot(keys.instances)).to.equal(slot);
        expect(calculateSlot(`${connection.shards.keyPrefixFor(uid)}:idx:scheduled`)).to.equal(slot);
        expect(calculateSlot(`${connection.shards.keyPrefixFor(uid)}:bull:triggers:wait`)).to.equal(slot);
        const node = cluster.slots[slot]?.[0];
        if (node !== undefined) masters.add(node);
      }
      await waitFor('the cluster client to know the slots', () => cluster.status === 'ready');
      for (const uid of uids) masters.add(cluster.slots[calculateSlot(connection.keysFor(uid).lock)][0]);
    } finally {
      cluster.disconnect();
    }
    expect(masters.size).to.equal(3);
  });
});
