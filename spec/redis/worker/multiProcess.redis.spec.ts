import { expect } from 'chai';
import type { Container } from 'inversify';
import {
  BullMQTaskRunner,
  TRIGGERS,
  TaskStatus,
  WorkerLostError,
  closeTriggersContainer,
  createTriggersContainer,
  getManager,
  runnerToken,
} from '../../../src';
import type { RedisConnection, RedisConnectionOption, StorageBackend } from '../../../src';
import { MemoryLogSink, RedisClusterProcess, ThreadingTaskRunner, createTestContainer, expectInstance } from '../../../src/testing';
import { killChildren, spawnNode, spawnWorker } from '../../support/childProcesses';
import { sharedRedis, uniquePrefix } from '../../support/sharedRedis';
import { waitFor } from '../../support/waitFor';
import { memoryRuns, runsKey } from './fixtures/distributedTasks';
import { buildWorkload, dealStreams } from './fixtures/workload';

/** The session as plain JSON without timestamps (they differ between runs). */
async function comparable(storage: StorageBackend): Promise<object> {
  const repr = await storage.debugRepr();
  for (const record of Object.values(repr.instances)) delete record.metadata.timestamps;
  return repr;
}

/** Whether no job of the container's default queue is waiting, delayed or running. */
async function queueIdle(container: Container): Promise<boolean> {
  // One queue on a single server, one per shard on a Redis Cluster.
  for (const queue of container.get<BullMQTaskRunner>(runnerToken('bullmq')).queuesNamed('triggers')) {
    const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    if (!Object.values(counts).every((count) => count === 0)) return false;
  }
  return true;
}

describe('distributed mode (separate producer and worker processes over Redis)', function () {
  this.timeout(60_000);
  let container: Container | undefined;

  afterEach(async () => {
    await killChildren();
    if (container !== undefined) await closeTriggersContainer(container);
    container = undefined;
  });

  /**
   * Producers firing overlapping, out-of-order and duplicate triggers into
   * sessions while two worker processes run the tasks, over `redis` (the
   * workers get `workerConnection`): every session ends as one in-memory
   * process leaves it, each instance run exactly once.
   */
  async function endsAsInMemory(redis: RedisConnectionOption, workerConnection: string[]): Promise<void> {
    const prefix = uniquePrefix('multi');
    const workload = buildWorkload();
    container = createTriggersContainer({ redis, prefix, logSink: new MemoryLogSink() });
    for (const uid of workload.uids) await getManager(container, uid).updateConfiguration(workload.config);

    const workers = [spawnWorker(workerConnection, prefix, ['--concurrency', '3']), spawnWorker(workerConnection, prefix, ['--concurrency', '2'])];
    await Promise.all(workers.map((worker) => worker.line(/^ready /)));
    const producerRedis = typeof redis === 'string' ? redis : JSON.stringify(redis);
    const producers = dealStreams(workload.streams, 3).map((streams) =>
      spawnNode(['dist/spec/redis/worker/fixtures/producer.js', producerRedis, prefix, JSON.stringify(streams)]),
    );
    const codes = await Promise.all(producers.map((producer) => producer.exited));
    expect(codes, producers.map((p) => p.output()).join('\n')).to.deep.equal([0, 0, 0]);

    const live = container;
    await waitFor('the queue to drain and no instance to be scheduled or running', async () => {
      if (!(await queueIdle(live))) return false;
      for (const uid of workload.uids) {
        const busy = (await getManager(live, uid).storage.getInstances()).filter(
          (instance) => instance.status === TaskStatus.Scheduled || instance.status === TaskStatus.Running,
        );
        if (busy.length > 0) return false;
      }
      return true;
    });
    for (const worker of workers) worker.child.kill('SIGTERM');
    expect(await Promise.all(workers.map((worker) => worker.exited))).to.deep.equal([0, 0]);
    const jobOutput = workers.map((worker) => worker.output()).join('');
    expect(jobOutput).to.not.match(/rejected|error/i);

    // The same streams, one after the other, in one process with memory storage.
    const reference = createTestContainer();
    memoryRuns.clear();
    for (const uid of workload.uids) await getManager(reference, uid).updateConfiguration(workload.config);
    for (const stream of workload.streams) {
      const manager = getManager(reference, stream.uid);
      for (const [trigger, kwargs] of stream.fires) await manager.fire(trigger, kwargs);
    }
    await ThreadingTaskRunner.joinAll();

    const ran: string[] = [];
    for (const uid of workload.uids) {
      const distributed = await comparable(getManager(container, uid).storage);
      const inMemory = await comparable(getManager(reference, uid).storage);
      expect(distributed, `session ${JSON.stringify(uid).slice(0, 40)}`).to.deep.equal(inMemory);
      const instances = await getManager(container, uid).storage.getInstances();
      expect(instances.map((i) => i.status)).to.include(TaskStatus.Finished);
      for (const instance of instances) if (instance.metadata.actualKwargs !== undefined) ran.push(JSON.stringify([uid, instance.name]));
    }

    const runs = await container.get<RedisConnection>(TRIGGERS.RedisConnection).redis.hgetall(runsKey(prefix));
    expect(Object.keys(runs).sort()).to.deep.equal([...ran].sort());
    expect(Object.keys(runs).sort()).to.deep.equal([...memoryRuns.keys()].sort());
    expect(new Set(Object.values(runs))).to.deep.equal(new Set(['1']));
    expect(ran.length).to.be.greaterThan(workload.uids.length * 5);
  }

  it('ends every session in the state one in-memory process reaches, running each instance exactly once', async () => {
    const redis = await sharedRedis();
    await endsAsInMemory(redis.url, ['--redis', redis.url]);
  });

  it('does the same on a Redis Cluster of 3 masters (sessions and queues over 16 shards, workers with --redis-cluster)', async function () {
    this.timeout(90_000);
    const cluster = await RedisClusterProcess.start({ masters: 3 });
    try {
      await endsAsInMemory({ cluster: cluster.nodes }, ['--redis-cluster', cluster.nodes.map(({ host, port }) => `${host}:${port}`).join(',')]);
    } finally {
      if (container !== undefined) await closeTriggersContainer(container);
      container = undefined;
      await cluster.stop();
    }
  });

  it('fails a running instance with WorkerLostError when its worker is killed (SIGKILL) and the job is re-delivered; a replay then runs', async () => {
    const redis = await sharedRedis();
    const prefix = uniquePrefix('killed');
    container = createTriggersContainer({ redis: redis.url, prefix, logSink: new MemoryLogSink() });
    const manager = getManager(container, 'killed: worker ✗');
    await manager.updateConfiguration({ t_hang: { after: ['go'], run: 'MP_HangOnce' }, t_next: { after: ['t_hang'], run: 'MP_Step' } });
    const fastLocks = ['--lock-duration', '1000', '--stalled-interval', '300', '--heartbeat-interval', '200', '--heartbeat-timeout', '1000'];

    const doomed = spawnWorker(redis.url, prefix, fastLocks);
    const doomedId = /\bid=(\S+)/.exec(await doomed.line(/^ready /))?.[1];
    expect(doomedId).to.be.a('string');
    await manager.fire('go');
    await waitFor('t_hang#0 to be running', async () => (await manager.storage.getInstance('t_hang#0')).status === TaskStatus.Running);
    // `running` is stored just before the task starts: wait until the task itself recorded its run, then kill.
    const hangRun = JSON.stringify([manager.storage.uid, 't_hang#0']);
    const connection = container.get<RedisConnection>(TRIGGERS.RedisConnection);
    await waitFor('t_hang#0 to record its run', async () => (await connection.redis.hget(runsKey(prefix), hangRun)) === '1');
    // And until the worker's heartbeat lists the job (what names it in the error; a worker killed before that is unnamed).
    const jobId = BullMQTaskRunner.jobIdFor(prefix, manager.storage.uid, 't_hang#0');
    await waitFor('the heartbeat to claim the job', async () => ((await connection.redis.hget(`${prefix}:workers`, doomedId as string)) ?? '').includes(jobId));
    doomed.child.kill('SIGKILL');
    expect(await doomed.exited).to.equal('SIGKILL');

    const survivor = spawnWorker(redis.url, prefix, fastLocks);
    await survivor.line(/^ready /);
    await waitFor('t_hang#0 to be failed', async () => (await manager.storage.getInstance('t_hang#0')).status === TaskStatus.Failed);
    const failed = await expectInstance(manager, 't_hang#0').failed(WorkerLostError);
    expect(failed.metadata.exceptionInfo).to.match(/not run twice/);
    // It names the worker that died and its last heartbeat, after the heartbeat bound.
    expect(failed.metadata.exceptionInfo).to.include(`worker ${JSON.stringify(doomedId)}`);
    expect(failed.metadata.exceptionInfo).to.match(/no heartbeat for over 1000 ms \(last at \d{4}-\d\d-\d\dT/);
    await survivor.line(/rejected: WorkerLostError/);
    await expectInstance(manager, 't_next#0').missing();

    await manager.replayFailedInstance('t_hang#0');
    await waitFor('t_next#0 to finish', async () => (await manager.storage.getInstance('t_next#0')).status === TaskStatus.Finished);
    await expectInstance(manager, 't_hang#1').finished({ recovered: true });

    const runs = await container.get<RedisConnection>(TRIGGERS.RedisConnection).redis.hgetall(runsKey(prefix));
    expect(runs).to.deep.equal({
      [JSON.stringify([manager.storage.uid, 't_hang#0'])]: '1',
      [JSON.stringify([manager.storage.uid, 't_hang#1'])]: '1',
      [JSON.stringify([manager.storage.uid, 't_next#0'])]: '1',
    });
    survivor.child.kill('SIGTERM');
    expect(await survivor.exited).to.equal(0);
  });
  it('re-runs an instance of a retryOnWorkerLoss task after its worker is killed (SIGKILL): replayed once, depth 1, finished', async () => {
    const redis = await sharedRedis();
    const prefix = uniquePrefix('retried');
    container = createTriggersContainer({ redis: redis.url, prefix, logSink: new MemoryLogSink() });
    const manager = getManager(container, 'retried');
    await manager.updateConfiguration({ t_hang: { after: ['go'], run: 'MP_HangOnceRetried' }, t_next: { after: ['t_hang'], run: 'MP_Step' } });
    const fastLocks = ['--lock-duration', '1000', '--stalled-interval', '300', '--heartbeat-interval', '200', '--heartbeat-timeout', '1000'];
    const doomed = spawnWorker(redis.url, prefix, fastLocks);
    await doomed.line(/^ready /);
    await manager.fire('go');
    const connection = container.get<RedisConnection>(TRIGGERS.RedisConnection);
    const hangRun = JSON.stringify([manager.storage.uid, 't_hang#0']);
    await waitFor('t_hang#0 to record its run', async () => (await connection.redis.hget(runsKey(prefix), hangRun)) === '1');
    doomed.child.kill('SIGKILL');
    expect(await doomed.exited).to.equal('SIGKILL');

    const survivor = spawnWorker(redis.url, prefix, fastLocks);
    await survivor.line(/^ready /);
    await waitFor('t_next#0 to finish', async () => (await manager.storage.instancesOfTask('t_next')).some((i) => i.status === TaskStatus.Finished));
    const lost = await manager.storage.getInstance('t_hang#0');
    expect(lost.status).to.equal(TaskStatus.Replayed);
    expect(lost.metadata.exceptionType).to.equal('WorkerLostError');
    const rerun = await expectInstance(manager, 't_hang#1').finished({ recovered: true });
    expect(rerun.depth).to.equal(1);
    expect(rerun.metadata.parent).to.equal('t_hang#0');
    expect(survivor.output()).to.not.match(/rejected/);
    const runs = await connection.redis.hgetall(runsKey(prefix));
    expect(runs).to.deep.equal({
      [hangRun]: '1',
      [JSON.stringify([manager.storage.uid, 't_hang#1'])]: '1',
      [JSON.stringify([manager.storage.uid, 't_next#0'])]: '1',
    });
    survivor.child.kill('SIGTERM');
    expect(await survivor.exited).to.equal(0);
  });
});
