import { expect } from 'chai';
import type { Container } from 'inversify';
import { StorageUnavailableError, closeTriggersContainer, createTriggersContainer, getManager } from '../../../src';
import { MemoryLogSink } from '../../../src/testing';
import { RedisClusterSet } from '../../support/RedisClusterSet';
import '../../support/bullmqTasks';
import { uniquePrefix } from '../../support/sharedRedis';

describe('redis/cluster: a master down without a replica (slots uncovered, the cluster refuses commands)', function () {
  this.timeout(120_000);
  let set: RedisClusterSet;
  let container: Container;

  before(async () => {
    // The killed master comes back from its own append-only file: every acknowledged write must be on disk.
    set = await RedisClusterSet.start({ masters: 3, replicasPerMaster: 0, fsyncAlways: true });
    container = createTriggersContainer({
      redis: { cluster: set.nodes, shards: 8 },
      prefix: uniquePrefix('cluster-outage'),
      operationTimeoutMs: 1_500,
      logSink: new MemoryLogSink(),
      connectionLog: () => undefined,
    });
  });

  after(async () => {
    await closeTriggersContainer(container);
    await set.stop();
  });

  it('fails operations with StorageUnavailableError only (never CLUSTERDOWN, MOVED or a redirection error), and applies their retries once when the node is back', async () => {
    const uids = Array.from({ length: 12 }, (_, i) => `outage:${i}`);
    for (const uid of uids) await getManager(container, uid).updateConfiguration({ t_every: { after: ['go'], andEvery: 'tick', run: 'BMQ_Count', queue: 'parked' } });
    for (const uid of uids) await getManager(container, uid).fire('go');
    const port = await set.killMaster();
    const outcomes = await Promise.all(
      uids.map((uid) =>
        getManager(container, uid)
          .fire('tick', { n: 1 }, { idempotencyKey: `${uid}:tick-1` })
          .then(
            () => 'applied',
            (error: unknown) => error,
          ),
      ),
    );
    const errors = outcomes.filter((outcome): outcome is Error => outcome !== 'applied');
    expect(errors.length, 'some fires met the outage').to.be.greaterThan(0);
    for (const error of errors) {
      expect(error, String(error)).to.be.instanceOf(StorageUnavailableError);
      expect(error.message).to.not.match(/CROSSSLOT|^MOVED|^ASK/);
    }
    await set.revive(port);
    for (const uid of uids) await getManager(container, uid).fire('tick', { n: 1 }, { idempotencyKey: `${uid}:tick-1` });
    for (const uid of uids) {
      const ticks = (await getManager(container, uid).storage.instancesOfTask('t_every')).filter((instance) => JSON.stringify(instance.kwargs.tick) === '{"n":1}');
      expect(ticks, uid).to.have.length(1);
    }
  });
});
