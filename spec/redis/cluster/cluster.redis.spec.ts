import { expect } from 'chai';
import { Cluster, Redis } from 'ioredis';
import type { Container } from 'inversify';
import calculateSlot from 'cluster-key-slot';
import { BullMQTaskRunner, ForgedJobError, InvalidStorageSettingsError, StorageUnavailableError, TaskStatus, TriggerWorker, closeTriggersContainer, createTriggersContainer, getManager, runnerToken } from '../../../src';
import type { JobCompletedEvent, JobFailedEvent, TriggerManager, TriggersContainerOptions } from '../../../src';
import { MemoryLogSink, expectInstance } from '../../../src/testing';
import { KeyRoutedCommand } from '../../../src/redis/connection/KeyRoutedCommand';
import { RedisSessionKeys } from '../../../src/redis/storage/RedisSessionKeys';
import { RedisDirectory } from '../../../src/redis/storage/RedisDirectory';
import { killChildren, spawnNode } from '../../support/childProcesses';
import { RedisConnection } from '../../../src/redis/connection/RedisConnection';
import { TRIGGERS } from '../../../src/registry/tokens';
import { RedisClusterSet } from '../../support/RedisClusterSet';
import { Gate, countedRuns, runKey } from '../../support/bullmqTasks';
import { connectionOf, recordTaken } from '../../support/redisContainers';
import { bullmqPrefix } from '../../../src/redis/connection/bullmqConnection';
import { RedisScripts } from '../../../src/redis/storage/RedisScripts';
import { uniquePrefix } from '../../support/sharedRedis';
import { waitFor } from '../../support/waitFor';

/** Watches every master with MONITOR; `finishEvals` counts `EVAL`s of the finish script's text (a `NOSCRIPT` re-send). */
async function watchFinishEvals(ports: number[]): Promise<{ finishEvals: () => number; stop: () => void }> {
  let evals = 0;
  const monitors = await Promise.all(
    ports.map(async (port) => {
      const monitor = new Redis({ host: '127.0.0.1', port, monitor: true, lazyConnect: true });
      monitor.on('error', () => undefined);
      const monitoring = new Promise<void>((resolve) => monitor.once('monitoring', () => resolve()));
      await monitor.connect();
      await monitoring;
      monitor.on('monitor', (_time: string, args: string[], source: string) => {
        if (source !== 'lua' && String(args[0]).toLowerCase() === 'eval' && args[1] === RedisScripts.applyAtomically.lua) evals += 1;
      });
      return monitor;
    }),
  );
  return { finishEvals: () => evals, stop: () => monitors.forEach((monitor) => monitor.disconnect()) };
}

describe('redis/cluster: sessions and queues sharded over a Redis Cluster', function () {
  this.timeout(120_000);
  let set: RedisClusterSet;
  const containers: Container[] = [];
  const workers: TriggerWorker[] = [];
  const workerErrors: Error[] = [];

  before(async () => {
    set = await RedisClusterSet.start({ masters: 3, replicasPerMaster: 0 });
  });

  afterEach(killChildren);

  after(async () => {
    expect(workerErrors.map((error) => error.message)).to.deep.equal([]);
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

  async function startWorker(
    prefix: string,
    more: Partial<TriggersContainerOptions> = {},
    options: ConstructorParameters<typeof TriggerWorker>[1] = {},
    container = clusterContainer(prefix, more),
  ): Promise<TriggerWorker> {
    const worker = new TriggerWorker(container, { concurrency: 4, heartbeatIntervalMs: 1_000, reconcileIntervalMs: 0, ...options });
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
        expect(calculateSlot(`${connection.shards.keyPrefixFor(uid)}:idx:unresolved`)).to.equal(slot);
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

  function finished(manager: TriggerManager, instance: string): Promise<unknown> {
    return waitFor(`${manager.storage.uid} ${instance} finished`, async () => (await manager.storage.getInstance(instance).catch(() => undefined))?.status === TaskStatus.Finished, 30_000);
  }

  function status(manager: TriggerManager, instance: string, wanted: TaskStatus): Promise<unknown> {
    return waitFor(`${manager.storage.uid} ${instance} ${wanted}`, async () => (await manager.storage.getInstance(instance).catch(() => undefined))?.status === wanted, 30_000);
  }

  it('runs andEvery, unless, a replay, a skip with cascade and deleteSession on sessions of several shards, and applies an idempotency key once', async () => {
    const prefix = uniquePrefix('cluster-ops');
    await startWorker(prefix);
    const container = clusterContainer(prefix);
    const connection = container.get<RedisConnection>(TRIGGERS.RedisConnection);
    const uids = ['ops:a', 'ops:b', 'ops:c', 'ops:d', 'ops:e', 'ops:f'];
    expect(new Set(uids.map((uid) => connection.shards.shardOf(uid))).size).to.be.greaterThan(2);
    for (const uid of uids) {
      const manager = getManager(container, uid);
      await manager.updateConfiguration({
        t_every: { after: ['go'], andEvery: 'tick', run: 'BMQ_Count' },
        t_unless: { after: ['go'], unless: ['stop'], run: 'BMQ_Count' },
        t_fail: { after: ['go'], run: 'FailingTask' },
        t_after_fail: { after: ['t_fail'], run: 'BMQ_Count' },
      });
      await manager.fire('stop');
      await manager.fire('go', {}, { idempotencyKey: `go-${uid}` });
      await manager.fire('go', {}, { idempotencyKey: `go-${uid}` });
      await manager.fire('tick');
      await manager.fire('tick');
    }
    for (const uid of uids) {
      const manager = getManager(container, uid);
      await finished(manager, 't_every#1');
      await status(manager, 't_fail#0', TaskStatus.Failed);
      expect((await manager.storage.instancesOfTask('t_every')).length, uid).to.equal(2);
      expect((await manager.storage.instancesOfTask('t_unless')).map((instance) => instance.status), uid).to.deep.equal([TaskStatus.Abandoned]);
      expect((await manager.storage.instancesOfTask('t_fail')).length, `${uid}: one go applied`).to.equal(1);
    }
    const [replayed, skipped, deleted] = uids.map((uid) => getManager(container, uid));
    await replayed.replayFailedInstance('t_fail#0');
    await status(replayed, 't_fail#1', TaskStatus.Failed);
    await expectInstance(replayed, 't_fail#0').replayed();
    await skipped.skipFailedInstance('t_fail#0', { cascade: true, result: { skipped: true } });
    await finished(skipped, 't_after_fail#0');
    await deleted.storage.deleteSession();
    expect(await deleted.storage.getInstances()).to.deep.equal([]);
    const failed = await new RedisDirectory(connection).instancesByStatus(TaskStatus.Failed, { limit: 1000 });
    const failedUids = new Set(failed.entries.map((entry) => entry.uid));
    expect(failedUids.has(deleted.storage.uid), 'deleted session out of the directory').to.equal(false);
    expect(failedUids.has(skipped.storage.uid)).to.equal(false);
    expect(failedUids.has(replayed.storage.uid)).to.equal(true);
    // The counts per task and status, summed over the shards' hashes, equal a recount of the sessions left.
    const recount = new Map<string, number>();
    for (const uid of uids) {
      for (const instance of await getManager(container, uid).storage.getInstances()) {
        const key = `${instance.taskName} ${instance.status}`;
        recount.set(key, (recount.get(key) ?? 0) + 1);
      }
    }
    const counted = new Map<string, number>();
    for (const entry of (await new RedisDirectory(connection).counts()).tasks) {
      for (const [name, n] of Object.entries(entry.counts)) counted.set(`${entry.task} ${name}`, n);
    }
    expect(Object.fromEntries([...counted].sort())).to.deep.equal(Object.fromEntries([...recount].sort()));
    expect(counted.get('t_every finished')).to.equal(2 * (uids.length - 1));
    const cluster = new Cluster(set.nodes);
    try {
      expect(await cluster.exists(...connection.keysFor(deleted.storage.uid).scriptKeys)).to.equal(0);
    } finally {
      cluster.disconnect();
    }
  });

  it('lists failed instances and sessions of every shard, page by page, through the directory and the CLI with --redis-cluster', async () => {
    const prefix = uniquePrefix('cluster-dir');
    await startWorker(prefix);
    const container = clusterContainer(prefix);
    const uids = Array.from({ length: 20 }, (_, i) => `dir:${i}`);
    for (const uid of uids) {
      const manager = getManager(container, uid);
      await manager.updateConfiguration({ t_fail: { after: ['go'], run: 'FailingTask' } });
      await manager.fire('go');
    }
    for (const uid of uids) await status(getManager(container, uid), 't_fail#0', TaskStatus.Failed);
    const directory = new RedisDirectory(container.get<RedisConnection>(TRIGGERS.RedisConnection));
    const seen: string[] = [];
    let cursor: string | undefined;
    let previous = 0;
    do {
      const page = await directory.instancesByStatus(TaskStatus.Failed, { limit: 3, cursor });
      expect(page.entries.length).to.be.at.most(3);
      for (const entry of page.entries) {
        expect(entry.since.getTime()).to.be.at.least(previous);
        previous = entry.since.getTime();
        seen.push(entry.uid);
      }
      cursor = page.next;
    } while (cursor !== undefined);
    expect(seen.sort()).to.deep.equal([...uids].sort());
    const sessions = await directory.sessionsByActivity({ limit: 100 });
    expect(sessions.entries.map((entry) => entry.uid).sort()).to.deep.equal([...uids].sort());

    const nodes = set.nodes.map(({ host, port }) => `${host}:${port}`).join(',');
    const failedCli = spawnNode(['dist/src/cli/main.js', 'failed', '--redis-cluster', nodes, '--cluster-shards', '8', '--prefix', prefix, '--json']);
    expect(await failedCli.exited, failedCli.output()).to.equal(0);
    const listed = (JSON.parse(failedCli.stdout()) as { failed: Array<{ uid: string; exceptionType: string }> }).failed;
    expect(listed.map((entry) => entry.uid).sort()).to.deep.equal([...uids].sort());
    expect(listed.every((entry) => entry.exceptionType === 'DeliberateFailure')).to.equal(true);
    const sessionsCli = spawnNode(['dist/src/cli/main.js', 'sessions', '--redis-cluster', nodes, '--cluster-shards', '8', '--prefix', prefix, '--json', '--limit', '7']);
    expect(await sessionsCli.exited, sessionsCli.output()).to.equal(0);
    const firstPage = JSON.parse(sessionsCli.stdout()) as { sessions: unknown[]; next?: string };
    expect(firstPage.sessions).to.have.length(7);
    expect(firstPage.next).to.be.a('string');
    const inspect = spawnNode(['dist/src/cli/main.js', 'inspect', 'dir:3', '--redis-cluster', nodes, '--cluster-shards', '8', '--prefix', prefix, '--json']);
    expect(await inspect.exited, inspect.output()).to.equal(0);
    expect(Object.keys((JSON.parse(inspect.stdout()) as { tasks: Record<string, unknown> }).tasks)).to.deep.equal(['t_fail']);
  });

  it('refuses malformed --redis-cluster values and contradicting flags with a clear message', async () => {
    for (const [args, message] of [
      [['--redis-cluster', 'nohost'], /expected host:port/],
      [['--redis-cluster', '127.0.0.1:0'], /expected host:port/],
      [['--redis-cluster', '127.0.0.1:7000,'], /expected host:port/],
      [['--redis-cluster', '127.0.0.1:7000', '--redis', 'redis://127.0.0.1:7000'], /--redis-cluster and --redis/],
      [['--cluster-shards', '4', '--redis', 'redis://127.0.0.1:7000'], /--cluster-shards needs --redis-cluster/],
    ] as Array<[string[], RegExp]>) {
      const cli = spawnNode(['dist/src/cli/main.js', 'sessions', ...args]);
      expect(await cli.exited, args.join(' ')).to.not.equal(0);
      expect(cli.output(), args.join(' ')).to.match(message);
    }
  });

  it('refuses a worker or a command whose shard count differs from the one the prefix was laid out with', async () => {
    const prefix = uniquePrefix('cluster-layout');
    const manager = getManager(clusterContainer(prefix), 'layout:one');
    await manager.updateConfiguration({ t_a: { after: ['go'], run: 'BMQ_Count' } });
    await startWorker(prefix); // records 8 shards
    const other = createTriggersContainer({ redis: { cluster: set.nodes, shards: 4 }, prefix, connectionLog: () => undefined });
    containers.push(other);
    const refused = await new TriggerWorker(other, { reconcileIntervalMs: 0 }).start().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).to.be.instanceOf(InvalidStorageSettingsError);
    expect((refused as Error).message).to.contain(`Prefix "${prefix}" on this Redis Cluster holds data laid out in 8 shards, but this process uses 4`);
    const nodes = set.nodes.map(({ host, port }) => `${host}:${port}`).join(',');
    const cli = spawnNode(['dist/src/cli/main.js', 'sessions', '--redis-cluster', nodes, '--prefix', prefix]);
    expect(await cli.exited).to.not.equal(0);
    expect(cli.output()).to.contain('laid out in 8 shards, but this process uses 16');
  });

  it('refuses a forged job naming a session of another shard (right job id, wrong shard), touching nothing', async () => {
    const prefix = uniquePrefix('cluster-forged');
    const container = clusterContainer(prefix);
    const connection = container.get<RedisConnection>(TRIGGERS.RedisConnection);
    const manager = getManager(container, 'forged:victim');
    await manager.updateConfiguration({ t_a: { after: ['go'], run: 'BMQ_Count', queue: 'parked' } });
    await manager.fire('go');
    const before = (await expectInstance(manager, 't_a#0').scheduled()).toRecord();
    const runner = container.get<BullMQTaskRunner>(runnerToken('bullmq'));
    const jobId = BullMQTaskRunner.jobIdFor(prefix, 'forged:victim', 't_a#0');
    const genuine = await runner.queue('parked', 'forged:victim').getJob(jobId);
    expect(genuine?.data).to.include({ uid: 'forged:victim' });
    // A uid of another shard only picks the queue: the forged job goes to that shard's default queue.
    const home = connection.shards.shardOf('forged:victim');
    const other = Array.from({ length: 100 }, (_, i) => `forged:other:${i}`).find((uid) => connection.shards.shardOf(uid) !== home) ?? '';
    const worker = await startWorker(prefix);
    const failed = new Promise<JobFailedEvent>((resolve) => worker.on('failed', (event) => event.jobId === jobId && resolve(event)));
    await runner.queue('triggers', other).add('BMQ_Count', genuine?.data as never, { jobId });
    const event = await failed;
    expect(event.error).to.be.instanceOf(ForgedJobError);
    expect(event.error.message).to.match(new RegExp(`queued in shard ${connection.shards.shardOf(other)} .* belongs to shard ${home}`));
    expect(event.failedInstance).to.equal(undefined);
    expect((await expectInstance(manager, 't_a#0').scheduled()).toRecord()).to.deep.equal(before);
    expect(countedRuns.get(runKey('forged:victim', 't_a#0'))).to.equal(undefined);
  });

  it('re-enqueues a scheduled instance whose job is gone (the reconciliation over every shard), reading heartbeats on the cluster', async () => {
    const prefix = uniquePrefix('cluster-reconcile');
    const container = clusterContainer(prefix);
    const manager = getManager(container, 'reconcile:one');
    await manager.updateConfiguration({ t_a: { after: ['go'], run: 'BMQ_Count' } });
    await manager.fire('go');
    const runner = container.get<BullMQTaskRunner>(runnerToken('bullmq'));
    await runner.queue('triggers', 'reconcile:one').remove(BullMQTaskRunner.jobIdFor(prefix, 'reconcile:one', 't_a#0'));
    const worker = new TriggerWorker(clusterContainer(prefix), { heartbeatIntervalMs: 1_000, reconcileIntervalMs: 0, reconcileGraceMs: 0 });
    workers.push(worker);
    await worker.start();
    const report = await worker.reconcile();
    expect(report.errors.map((error) => error.message)).to.deep.equal([]);
    expect(report.reenqueued).to.deep.equal([{ uid: 'reconcile:one', instance: 't_a#0' }]);
    await finished(manager, 't_a#0');
  });

  it('runs jobs through the worker CLI given --redis-cluster, on every shard', async () => {
    const prefix = uniquePrefix('cluster-cli');
    const container = clusterContainer(prefix);
    const nodes = set.nodes.map(({ host, port }) => `${host}:${port}`).join(',');
    const worker = spawnNode([
      'dist/src/cli/main.js', 'worker', '--redis-cluster', nodes, '--cluster-shards', '8', '--prefix', prefix,
      '--require', './dist/spec/redis/worker/fixtures/distributedTasks.js', '--concurrency', '2',
    ]);
    await worker.line(/^ready /);
    const uids = Array.from({ length: 12 }, (_, i) => `cli:${i}`);
    for (const uid of uids) {
      const manager = getManager(container, uid);
      await manager.updateConfiguration({ t_a: { after: ['go'], run: 'MP_Step' }, t_b: { after: ['t_a'], run: 'MP_Step' } });
      await manager.fire('go');
    }
    for (const uid of uids) await finished(getManager(container, uid), 't_b#0');
    worker.child.kill('SIGTERM');
    expect(await worker.exited).to.equal(0);
  });

  it('routes WAIT like a key of the session, so a Cluster client sends it to the master that took the write', () => {
    const keys = new RedisSessionKeys('p', 'wait:routed', '{p.s3}');
    expect(new KeyRoutedCommand('wait', [1, 100], keys.lock).getSlot()).to.equal(calculateSlot(keys.lock));
    expect(calculateSlot(keys.lock)).to.equal(calculateSlot('{p.s3}'));
  });

  it('waits for a replica per write when asked (WAIT on the master owning the session\'s slot): with none, the write is reported as maybe applied', async () => {
    const container = clusterContainer(uniquePrefix('cluster-wait'), { replication: { replicas: 1, timeoutMs: 200 }, operationTimeoutMs: 2_000 });
    const error = await getManager(container, 'wait:none').updateConfiguration({ t_a: { after: ['go'], run: 'BMQ_Count' } }).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).to.be.instanceOf(StorageUnavailableError);
    expect(error).to.include({ maybeApplied: true });
    expect((error as Error).message).to.contain('only 0 of 1 replicas acknowledged the write within 200 ms');
  });

  it('loads the finish script on every master at start, starts each job inside BullMQ\'s fetch, sends each finish ahead of the completion (never re-sent as EVAL behind it), and reports completed once the outcome is recorded', async () => {
    const prefix = uniquePrefix('cpf');
    const container = clusterContainer(prefix);
    const taken = recordTaken(connectionOf(container), 'takePipelinedFinish');
    const startedOnFetch = recordTaken(connectionOf(container), 'takeFetchedStart');
    const ports = await set.masterPorts();
    const watch = await watchFinishEvals(ports);
    const worker = await startWorker(prefix, {}, {}, container);
    for (const port of ports) {
      const redis = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
      try {
        expect(await redis.script('EXISTS', RedisScripts.applyAtomically.sha), `script cache of master ${port}`).to.deep.equal([1]);
      } finally {
        redis.disconnect();
      }
    }
    // Sessions on several shards, so finishes go to several masters.
    const uids = Array.from({ length: 6 }, (_, i) => `cpf-session:${i}`);
    const statusesAtCompletion = new Map<string, string>();
    const allCompleted = new Promise<void>((resolve) => {
      worker.on('completed', (event: JobCompletedEvent) => {
        void getManager(container, event.payload.uid)
          .storage.getInstance(event.payload.instance)
          .then((instance) => {
            statusesAtCompletion.set(`${event.payload.uid} ${instance.name}`, instance.status);
            if (statusesAtCompletion.size === uids.length * 3) resolve();
          });
      });
    });
    for (const uid of uids) {
      const manager = getManager(container, uid);
      await manager.updateConfiguration({
        t_1: { after: ['go'], run: 'BMQ_Count' },
        t_2: { after: ['t_1'], run: 'BMQ_Count' },
        t_3: { after: ['t_2'], run: 'BMQ_Count' },
      });
      await manager.fire('go');
    }
    await allCompleted;
    expect([...statusesAtCompletion.values()].every((status) => status === TaskStatus.Finished), JSON.stringify([...statusesAtCompletion])).to.equal(true);
    // Every job started inside BullMQ's fetch and finished ahead of BullMQ's completion: the worker's round trips per
    // job are those on one server (the fetch, then the finish with the completion and the next fetch).
    expect(taken.length).to.equal(uids.length * 3);
    // (A first job may be fetched while `fire` still holds its session's lock: then the worker starts it.)
    expect(startedOnFetch.filter((instance) => instance !== 't_1#0').length).to.equal(uids.length * 2);
    for (const uid of uids) {
      for (const instance of ['t_1#0', 't_2#0', 't_3#0']) expect(countedRuns.get(runKey(uid, instance)), `${uid} ${instance}`).to.equal(1);
    }
    watch.stop();
    expect(watch.finishEvals()).to.equal(0);
  });

  it('a finish that declines (session lock held elsewhere) keeps BullMQ from completing the job until the outcome is recorded under the lock, then completes it', async () => {
    const prefix = uniquePrefix('cpf-decline');
    const container = clusterContainer(prefix);
    const uid = 'cpf-decline-session';
    const manager = getManager(container, uid);
    await manager.updateConfiguration({ t_gated: { after: ['go'], run: 'BMQ_Gated' } });
    // Stalled checks far apart: the job can only complete in time if the worker completes it itself.
    const worker = await startWorker(prefix, {}, { lockDurationMs: 30_000, stalledIntervalMs: 60_000 }, container);
    const completed: string[] = [];
    worker.on('completed', (event: JobCompletedEvent) => completed.push(event.payload.instance));
    Gate.arm();
    try {
    await manager.fire('go');
    await Gate.startedPromise;

    const shard = connectionOf(container).shards.shardOf(uid);
    const jobId = BullMQTaskRunner.jobIdFor(prefix, uid, 't_gated#0');
    const jobLock = `${bullmqPrefix(connectionOf(container).settings, shard)}:triggers:${jobId}:lock`;
    const client = connectionOf(container).redis;
    const other = clusterContainer(prefix);
    await getManager(other, uid).storage.withLock(async (tx) => {
      expect((await tx.instance('t_gated#0')).status).to.equal(TaskStatus.Running);
      expect(await client.exists(jobLock)).to.equal(1);
      Gate.open();
      await waitFor('the declined finish to drop the job lock', async () => (await client.exists(jobLock)) === 0);
      expect((await tx.instance('t_gated#0')).status).to.equal(TaskStatus.Running);
    });
    await waitFor('t_gated#0 finished under the lock', async () => (await manager.storage.getInstance('t_gated#0')).status === TaskStatus.Finished, 10_000);
    const queue = container.get<BullMQTaskRunner>(runnerToken('bullmq')).queue('triggers', uid);
    await waitFor('the job completed', async () => (await queue.getJobState(jobId)) === 'completed', 10_000);
    expect(completed).to.deep.equal(['t_gated#0']);
    } finally {
      Gate.open();
    }
  });
  it('preloads a script on every master of a Cluster client, and again on a node whose connection comes back (its cache emptied meanwhile)', async () => {
    const ports = await set.masterPorts();
    const script = RedisScripts.applyAtomically;
    const admins = ports.map((port) => new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 }));
    const cluster = new Cluster(set.nodes);
    const cached = async (): Promise<number[]> => Promise.all(admins.map(async (admin) => ((await admin.script('EXISTS', script.sha)) as number[])[0]));
    try {
      await Promise.all(admins.map((admin) => admin.script('FLUSH')));
      expect(await cached()).to.deep.equal(ports.map(() => 0));
      await waitFor('the cluster client to be ready', () => cluster.status === 'ready');
      await script.preload(cluster as unknown as Redis);
      expect(await cached()).to.deep.equal(ports.map(() => 1));
      // Every master forgets it (as after a restart) and drops this client's connections: each reloads it when back.
      await Promise.all(admins.map((admin) => admin.script('FLUSH')));
      const ids = await Promise.all(cluster.nodes('master').map(async (node) => [Number(node.options.port), String(await node.client('ID'))] as const));
      await Promise.all(ids.map(([port, id]) => admins[ports.indexOf(port)].client('KILL', 'ID', id)));
      // The client connects to a node again when a command needs it: keys spread over every slot range.
      const keys = Array.from({ length: 30 }, (_, i) => `preload-probe-${i}`);
      await waitFor('every master to have the script again', async () => {
        await Promise.all(keys.map((key) => cluster.get(key).catch(() => undefined)));
        return (await cached()).every((found) => found === 1);
      }, 10_000);
    } finally {
      cluster.disconnect();
      admins.forEach((admin) => admin.disconnect());
    }
  });
});
