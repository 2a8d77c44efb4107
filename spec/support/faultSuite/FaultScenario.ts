import type { Container } from 'inversify';
import type { Redis } from 'ioredis';
import { BullMQTaskRunner, TRIGGERS, TaskStatus, closeTriggersContainer, createTriggersContainer, getManager, runnerToken } from '../../../src';
import type { DirectoryStatus, RedisConnection, RedisConnectionOption, TaskJobPayload } from '../../../src';
import { MemoryLogSink } from '../../../src/testing';
import type { NodeChild } from '../childProcesses';
import { killChildren, spawnNode } from '../childProcesses';
import { RestartableRedis } from '../restartableRedis';
import { RedisClusterSet } from '../RedisClusterSet';
import { RedisSentinelSet } from '../RedisSentinelSet';
import { SeededRandom } from '../SeededRandom';
import type { FaultFigures } from './FaultFigures';
import type { ProducerEvent, ProducerPlan } from './faultProducer';
import type { ComparedSession } from './faultReference';
import { comparedSession, referenceSessions, sessionDifference } from './faultReference';
import type { FaultRun } from './faultTasks';
import { faultRunsKey, parseFaultRuns } from './faultTasks';
import type { FaultSession } from './FaultWorkload';
import { COUNTED_TRIGGERS, buildFaultSessions, faultConfig } from './FaultWorkload';

/** How big and how hostile one run is. */
export interface FaultScenarioOptions {
  seed: number;
  sessions: number;
  producers: number;
  workers: number;
  concurrency: number;
  redisRestarts: number;
  workerKills: number;
  producerKills: number;
  /** Batches of duplicate deliveries (a few jobs each). */
  duplicateBatches: number;
  /** Batches of forged jobs (one of each kind each). */
  forgedBatches: number;
  /** Longest pause between two fires of one session. */
  paceMs: number;
  /** Longest wait for everything to settle after the last fire. */
  settleMs: number;
  /** `--lock-duration` and `--stalled-interval` of the workers. */
  lockDurationMs: number;
  stalledIntervalMs: number;
  /**
   * Runs on a Redis Cluster (3 masters with a replica each) instead of one
   * server: `masterKills` masters are SIGKILLed mid-run (a replica takes
   * over; `redisRestarts` must then be 0), and every process's writes wait
   * for `replication` when given.
   */
  cluster?: { masterKills: number; shards: number; replication?: { replicas: number; timeoutMs: number } };
  /**
   * Run on a Sentinel set (1 primary, 2 replicas, 3 sentinels) instead of
   * one restartable server, every storage write waiting for every replica
   * (`replication`); `redisRestarts` must then be 0.
   */
  sentinel?: boolean;
  /** Primaries SIGKILLed mid-stream (Sentinel only), each followed by the sentinels' promotion of a replica and the killed server's return as a replica. */
  primaryKills?: number;
}

/** The replicas every write of a Sentinel run waits for (every replica of the set: the sentinels may promote either), and how long. */
const SENTINEL_REPLICATION = { replicas: 2, timeoutMs: 500 };

/** The figures of a run and, for the checks that failed, a few examples. */
export interface FaultReport {
  figures: FaultFigures;
  examples: string[];
}

const WORKER_FIXTURE = './dist/spec/support/faultSuite/faultTasks.js';
const PRODUCER = 'dist/spec/support/faultSuite/faultProducer.js';
/** The statuses the directory lists instances by. */
const LISTED_STATUSES: readonly DirectoryStatus[] = [TaskStatus.Scheduled, TaskStatus.Running, TaskStatus.Failed];
const FORGED_REFUSALS = /ForgedJobError|MalformedJobError|UnknownManagerError|UnknownStorageError|UnknownInstanceError/;

interface WorkerProcess {
  node: NodeChild;
  killed: boolean;
}

interface ProducerProcess {
  node: NodeChild;
  uids: string[];
  killed: boolean;
}

type ChaosEvent = 'restart' | 'killMaster' | 'killPrimary' | 'killWorker' | 'killProducer' | 'duplicates' | 'forged';

/** `operation()` once it stops throwing (Redis may be restarting), or its last error after `timeoutMs`. */
async function retrying<T>(operation: () => Promise<T>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await operation();
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function parseEvents(node: NodeChild): ProducerEvent[] {
  return node
    .stdout()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as ProducerEvent);
}

/**
 * One seeded run of the fault suite: a private Redis with its append-only
 * file, CLI workers and producer processes, faults injected while the
 * streams are fired (Redis restarts, worker and producer SIGKILLs,
 * duplicate deliveries, forged jobs), a settle, then the figures: every
 * session against the same fires run in memory, and the runs recorded
 * outside the sessions against the workers that died.
 */
export class FaultScenario {
  private readonly random: SeededRandom;
  private readonly prefix: string;
  private readonly sessions: FaultSession[];
  private readonly workers: WorkerProcess[] = [];
  private readonly producers: ProducerProcess[] = [];
  /** Forged job ids, with the session whose queue (shard) they were added to. */
  private readonly forgedIds: Array<{ jobId: string; uid: string }> = [];
  private readonly examples: string[] = [];
  private readonly counts = {
    redisRestarts: 0,
    masterKills: 0,
    primaryKills: 0,
    primaryKillsMidStream: 0,
    workerKills: 0,
    producerKills: 0,
    inFlightAtProducerKill: 0,
    duplicateDeliveries: 0,
  };
  private server?: RestartableRedis;
  private cluster?: RedisClusterSet;
  private sentinelSet?: RedisSentinelSet;
  private container!: Container;

  private constructor(private readonly options: FaultScenarioOptions) {
    this.random = new SeededRandom(options.seed);
    this.prefix = `faultsuite-${options.seed}-${process.pid}`;
    this.sessions = buildFaultSessions(options.seed, options.sessions, `s${options.seed}`);
  }

  /** Runs the scenario and returns its figures; everything it started is stopped. */
  static async run(options: FaultScenarioOptions): Promise<FaultReport> {
    const scenario = new FaultScenario(options);
    try {
      return await scenario.execute();
    } finally {
      await scenario.cleanUp();
    }
  }

  /** The producers' first argument: the server's URL, or the `redis` option as JSON. */
  private get url(): string {
    const option = this.redisOption;
    return typeof option === 'string' ? option : JSON.stringify(option);
  }

  /** The `redis` option of every container of the run: a URL, the cluster's nodes, or the Sentinel set's sentinels and name. */
  private get redisOption(): RedisConnectionOption {
    if (this.cluster !== undefined) return { cluster: this.cluster.nodes, shards: this.options.cluster?.shards };
    if (this.sentinelSet !== undefined) return { sentinels: this.sentinelSet.sentinels, name: this.sentinelSet.name };
    return (this.server as RestartableRedis).url;
  }

  /** The replication wait of every process's writes: the cluster's, if given; every replica on a Sentinel set. */
  private get replication(): { replicas: number; timeoutMs: number } | undefined {
    if (this.sentinelSet !== undefined) return SENTINEL_REPLICATION;
    return this.options.cluster?.replication;
  }

  /** The worker CLI's connection flags for {@link redisOption}, with the replication wait. */
  private get connectionFlags(): string[] {
    const replication = this.replication;
    const waits = replication === undefined ? [] : ['--wait-replicas', String(replication.replicas), '--wait-timeout', String(replication.timeoutMs)];
    const nodes = (list: Array<{ host: string; port: number }>): string => list.map(({ host, port }) => `${host}:${port}`).join(',');
    if (this.cluster !== undefined) return ['--redis-cluster', nodes(this.cluster.nodes), '--cluster-shards', String(this.options.cluster?.shards), ...waits];
    if (this.sentinelSet !== undefined) return ['--sentinel', nodes(this.sentinelSet.sentinels), '--sentinel-name', this.sentinelSet.name, ...waits];
    return ['--redis', this.url];
  }

  /** The default queue holding the jobs of session `uid` (one per shard on a cluster). */
  private queueOf(uid: string): ReturnType<BullMQTaskRunner['queue']> {
    return this.runner.queue('triggers', uid);
  }

  private get runner(): BullMQTaskRunner {
    return this.container.get<BullMQTaskRunner>(runnerToken('bullmq'));
  }

  private get redis(): RedisConnection['redis'] {
    return this.container.get<RedisConnection>(TRIGGERS.RedisConnection).redis;
  }

  private async execute(): Promise<FaultReport> {
    if (this.options.cluster !== undefined) this.cluster = await RedisClusterSet.start({ masters: 3, replicasPerMaster: 1 });
    else if (this.options.sentinel === true) {
      if (this.options.redisRestarts > 0) throw new Error('a Sentinel run kills primaries (primaryKills) instead of restarting a server (redisRestarts)');
      this.sentinelSet = await RedisSentinelSet.start({ replicas: 2, sentinels: 3 });
    } else {
      this.server = await RestartableRedis.onFreePort();
      await this.server.start();
    }
    this.container = createTriggersContainer({
      redis: this.redisOption,
      // The run's own writes (forged jobs aside) wait for the replicas on a Sentinel set only; the cluster run's processes wait.
      ...(this.sentinelSet === undefined ? {} : { replication: SENTINEL_REPLICATION }),
      prefix: this.prefix,
      defaultRunner: 'bullmq',
      logSink: new MemoryLogSink(),
      operationTimeoutMs: 1000,
      connectionLog: () => undefined,
    });
    for (const session of this.sessions) await retrying(() => getManager(this.container, session.uid).updateConfiguration(faultConfig));

    for (let w = 0; w < this.options.workers; w += 1) this.spawnWorker();
    await Promise.all(this.workers.map((worker) => worker.node.line(/^ready /)));
    const hands: FaultSession[][] = Array.from({ length: this.options.producers }, () => []);
    this.sessions.forEach((session, s) => hands[s % this.options.producers].push(session));
    for (const hand of hands) if (hand.length > 0) this.spawnProducer(hand.map((session) => ({ uid: session.uid, from: 0, fires: session.fires })));

    await this.injectFaults();
    const producerErrors = await this.awaitProducers();
    const settleMs = await this.settle();
    await this.stopWorkers();
    return this.measure(producerErrors, settleMs);
  }

  private spawnWorker(): WorkerProcess {
    const node = spawnNode([
      'dist/src/cli/main.js',
      'worker',
      ...this.connectionFlags,
      '--prefix',
      this.prefix,
      '--require',
      WORKER_FIXTURE,
      '--concurrency',
      String(this.options.concurrency),
      '--lock-duration',
      String(this.options.lockDurationMs),
      '--stalled-interval',
      String(this.options.stalledIntervalMs),
      '--close-timeout',
      '3000',
      '--operation-timeout',
      this.cluster === undefined ? '1000' : '3000',
      // Short liveness and reconciliation bounds, so a dead worker's instance is settled within the settle deadline.
      '--heartbeat-interval',
      '300',
      '--heartbeat-timeout',
      '1500',
      '--reconcile-interval',
      '1000',
      '--reconcile-grace',
      '3000',
    ]);
    const worker = { node, killed: false };
    this.workers.push(worker);
    return worker;
  }

  private spawnProducer(sessions: ProducerPlan['sessions']): void {
    const replication = this.replication;
    const plan: ProducerPlan = {
      seed: this.random.int(1, 2 ** 30),
      paceMs: this.options.paceMs,
      // A cluster's failover takes a few seconds; above the replication wait, which must fit in one operation.
      operationTimeoutMs: this.cluster !== undefined ? 2000 : replication !== undefined ? 1000 : 500,
      lockTtlMs: 2000,
      ...(replication === undefined ? {} : { replication }),
      sessions,
    };
    const node = spawnNode([PRODUCER, this.url, this.prefix, JSON.stringify(plan)]);
    this.producers.push({ node, uids: sessions.map((session) => session.uid), killed: false });
  }

  /** Acknowledged fire indices per session, over every producer so far. */
  private acknowledged(): Map<string, Set<number>> {
    const acks = new Map<string, Set<number>>(this.sessions.map((session) => [session.uid, new Set<number>()]));
    for (const producer of this.producers) for (const event of parseEvents(producer.node)) if (event.e === 'ack') acks.get(event.uid)?.add(event.i);
    return acks;
  }

  private acknowledgedCount(): number {
    let count = 0;
    for (const set of this.acknowledged().values()) count += set.size;
    return count;
  }

  private get totalFires(): number {
    return this.sessions.reduce((sum, session) => sum + session.fires.length, 0);
  }

  /** The faults, each once a further share of the fires is acknowledged, so that all land mid-stream. */
  private async injectFaults(): Promise<void> {
    const events: ChaosEvent[] = [
      ...Array<ChaosEvent>(this.options.redisRestarts).fill('restart'),
      ...Array<ChaosEvent>(this.options.cluster?.masterKills ?? 0).fill('killMaster'),
      ...Array<ChaosEvent>(this.options.primaryKills ?? 0).fill('killPrimary'),
      ...Array<ChaosEvent>(this.options.workerKills).fill('killWorker'),
      ...Array<ChaosEvent>(this.options.producerKills).fill('killProducer'),
      ...Array<ChaosEvent>(this.options.duplicateBatches).fill('duplicates'),
      ...Array<ChaosEvent>(this.options.forgedBatches).fill('forged'),
    ];
    const order = this.random.sample(events, events.length);
    for (let k = 0; k < order.length; k += 1) {
      const threshold = Math.floor((this.totalFires * (k + 1)) / (order.length + 2));
      const deadline = Date.now() + 60_000;
      while (this.acknowledgedCount() < threshold && Date.now() < deadline && this.producers.some((p) => p.node.child.exitCode === null && !p.killed)) {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      await this.inject(order[k], k);
    }
  }

  private async inject(event: ChaosEvent, k: number): Promise<void> {
    switch (event) {
      case 'restart': {
        const server = this.server as RestartableRedis;
        await server.stop();
        // The outage's length is part of the fault (not synchronisation).
        await new Promise((resolve) => setTimeout(resolve, this.random.int(100, 800)));
        await server.start();
        this.counts.redisRestarts += 1;
        return;
      }
      case 'killMaster': {
        const cluster = this.cluster as RedisClusterSet;
        // A master whose replica is still there (the first kill can take any).
        const port = await cluster.killMaster(await cluster.masterWithReplica());
        await cluster.waitForFailover(port);
        // Back as the new master's replica, as a supervisor restarts a crashed node: until then, the promoted master
        // has no replica, and writes of its shards cannot be acknowledged by one (they fail, and are retried).
        await cluster.revive(port);
        await cluster.waitForReplica(port);
        this.counts.masterKills += 1;
        return;
      }
      case 'killPrimary': {
        const set = this.sentinelSet as RedisSentinelSet;
        // Mid-stream: fires not yet acknowledged are still to come (or in flight).
        if (this.acknowledgedCount() < this.totalFires) this.counts.primaryKillsMidStream += 1;
        const killed = await set.killPrimary();
        await set.waitForFailover(killed);
        this.counts.primaryKills += 1;
        // Back as a replica, so the next failover finds two replicas again (the producers and workers keep going meanwhile).
        await set.rejoin(killed);
        return;
      }
      case 'killWorker':
        return this.killWorker(k % 2 === 0);
      case 'killProducer':
        return this.killProducer();
      case 'duplicates':
        return this.deliverDuplicates();
      case 'forged':
        return this.addForgedJobs();
    }
  }

  private async killWorker(midTask: boolean): Promise<void> {
    const live = this.workers.filter((worker) => !worker.killed && worker.node.child.exitCode === null);
    if (live.length === 0) return;
    let victim = this.random.pick(live);
    if (midTask) {
      // The worker that started the latest task is most likely running it now.
      const runs = parseFaultRuns(await retrying(() => this.redis.hgetall(faultRunsKey(this.prefix))));
      const pid = runs.at(-1)?.pid;
      victim = live.find((worker) => worker.node.child.pid === pid) ?? victim;
    }
    victim.killed = true;
    victim.node.child.kill('SIGKILL');
    await victim.node.exited;
    this.counts.workerKills += 1;
    this.spawnWorker();
  }

  /** SIGKILLs a producer right after it printed a `sent` line (mid-fire), or after a deadline if it sends nothing. */
  private async killProducer(): Promise<void> {
    const live = this.producers.filter((producer) => !producer.killed && producer.node.child.exitCode === null);
    if (live.length === 0) return;
    const victim = this.random.pick(live);
    victim.killed = true;
    await new Promise<void>((resolve) => {
      const kill = (): void => {
        clearTimeout(timer);
        victim.node.child.stdout?.off('data', onData);
        victim.node.child.kill('SIGKILL');
        resolve();
      };
      const onData = (chunk: Buffer): void => {
        if (chunk.toString().includes('"e":"sent"')) kill();
      };
      const timer = setTimeout(kill, 3000);
      victim.node.child.stdout?.on('data', onData);
    });
    await victim.node.exited;
    this.counts.producerKills += 1;
    const events = parseEvents(victim.node);
    const acks = this.acknowledged();
    const rest: ProducerPlan['sessions'] = [];
    for (const uid of victim.uids) {
      const session = this.sessions.find((candidate) => candidate.uid === uid) as FaultSession;
      const acked = acks.get(uid) ?? new Set<number>();
      const from = acked.size === 0 ? 0 : Math.max(...acked) + 1;
      if (events.some((event) => event.e === 'sent' && event.uid === uid && event.i === from)) this.counts.inFlightAtProducerKill += 1;
      if (from < session.fires.length) rest.push({ uid, from, fires: session.fires.slice(from) });
    }
    if (rest.length > 0) this.spawnProducer(rest);
  }

  /** Jobs of finished instances delivered again: moved back from completed, or removed and added again with the same id and data. */
  private async deliverDuplicates(): Promise<void> {
    const candidates: Array<{ uid: string; instance: string }> = [];
    for (const session of this.random.sample(this.sessions, 4)) {
      const instances = await retrying(() => getManager(this.container, session.uid).storage.getInstances());
      for (const instance of instances) if (instance.status === TaskStatus.Finished) candidates.push({ uid: session.uid, instance: instance.name });
    }
    const touched = new Set<ReturnType<BullMQTaskRunner['queue']>>();
    for (const [n, target] of this.random.sample(candidates, 3).entries()) {
      const jobId = BullMQTaskRunner.jobIdFor(this.prefix, target.uid, target.instance);
      const queue = this.queueOf(target.uid);
      touched.add(queue);
      await retrying(async () => {
        const job = await queue.getJob(jobId);
        if (job === undefined || (await job.getState()) !== 'completed') return;
        if (n % 2 === 0) await job.retry('completed');
        else {
          await job.remove();
          await queue.add(job.name, job.data, { jobId });
        }
        this.counts.duplicateDeliveries += 1;
      });
    }
    for (const queue of touched) await this.replicated(queue);
  }

  /**
   * One job of each forged kind, aimed at real instances (a scheduled one
   * when there is one). A forged job never takes an id a genuine job may
   * still need: the one genuine id it uses is a finished instance's, whose
   * completed job is removed first.
   */
  private async addForgedJobs(): Promise<void> {
    const [session, other] = this.random.sample(this.sessions, 2);
    const queue = this.queueOf(session.uid);
    const instances = await retrying(() => getManager(this.container, session.uid).storage.getInstances());
    const target = instances.find((instance) => instance.status === TaskStatus.Scheduled) ?? instances[0];
    const finished = (await retrying(() => getManager(this.container, other.uid).storage.getInstances())).find(
      (instance) => instance.status === TaskStatus.Finished,
    );
    if (target === undefined) return;
    const own = await retrying(() => queue.getJob(BullMQTaskRunner.jobIdFor(this.prefix, session.uid, target.name)));
    const genuine: TaskJobPayload = own?.data ?? { uid: session.uid, instance: target.name, manager: 'default', storage: 'redis', kwargs: {} };
    const n = this.forgedIds.length;
    const forged: Array<[string, unknown]> = [
      [`forged-${n}-wrong-id`, genuine],
      [`forged-${n}-array`, [session.uid, target.name]],
      [`forged-${n}-manager`, { ...genuine, manager: 5 }],
      [`forged-${n}-storage`, { ...genuine, storage: 'nope' }],
      [BullMQTaskRunner.jobIdFor(this.prefix, session.uid, `${target.taskName}#999`), { ...genuine, instance: `${target.taskName}#999` }],
    ];
    if (finished !== undefined) forged.push([BullMQTaskRunner.jobIdFor(this.prefix, other.uid, finished.name), genuine]);
    for (const [jobId, data] of forged) {
      const added = await retrying(async () => {
        const existing = await queue.getJob(jobId);
        if (existing !== undefined) {
          if ((await existing.getState()) !== 'completed' || this.forgedIds.some((forged) => forged.jobId === jobId)) return false;
          await existing.remove();
        }
        await queue.add(target.taskName, data as TaskJobPayload, { jobId });
        return true;
      });
      if (added) this.forgedIds.push({ jobId, uid: session.uid });
    }
    await this.replicated(queue);
  }

  /**
   * On a Sentinel set, waits until the replicas have what this process
   * wrote through `queue` (BullMQ's writes are not waited for by Triggers):
   * a primary killed right after would otherwise take the forged jobs or
   * duplicate deliveries with it. The faults are injected one at a time, so
   * no failover runs meanwhile.
   */
  private async replicated(queue: ReturnType<BullMQTaskRunner['queue']>): Promise<void> {
    const replication = this.replication;
    // On a cluster the faults' own writes are not waited for: a master kill there is followed by the killed node's return.
    if (replication === undefined || this.sentinelSet === undefined) return;
    await retrying(async () => {
      // The Redis backend's client is the queue's ioredis connection.
      const client = (await queue.getBackend().client) as unknown as Redis;
      const acknowledged = (await client.call('WAIT', replication.replicas, replication.timeoutMs)) as number;
      if (acknowledged < replication.replicas) throw new Error(`only ${acknowledged} replicas have the injected jobs`);
    });
  }

  /** How many producers failed; waits until every producer exited. */
  private async awaitProducers(): Promise<number> {
    let errors = 0;
    for (const producer of [...this.producers]) {
      const code = await producer.node.exited;
      if (!producer.killed && code !== 0) {
        errors += 1;
        this.examples.push(`producer exited ${code}: ${producer.node.output().split('\n').filter((line) => !line.startsWith('{')).join(' ').slice(0, 400)}`);
      }
    }
    return errors;
  }

  private async busy(): Promise<boolean> {
    for (const queue of new Set(this.sessions.map((session) => this.queueOf(session.uid)))) {
      const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      if (Object.values(counts).some((count) => count > 0)) return true;
    }
    for (const session of this.sessions) {
      const instances = await getManager(this.container, session.uid).storage.getInstances();
      if (instances.some((instance) => instance.status === TaskStatus.Scheduled || instance.status === TaskStatus.Running)) return true;
    }
    return false;
  }

  /** Polls until nothing is queued, scheduled or running, or the deadline passes; returns the time it took. */
  private async settle(): Promise<number> {
    const started = Date.now();
    while (Date.now() - started < this.options.settleMs) {
      if (!(await retrying(() => this.busy()))) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return Date.now() - started;
  }

  private async stopWorkers(): Promise<void> {
    for (const worker of this.workers) if (!worker.killed && worker.node.child.exitCode === null) worker.node.child.kill('SIGTERM');
    await Promise.all(this.workers.map((worker) => worker.node.exited));
  }

  private async measure(producerErrors: number, settleMs: number): Promise<FaultReport> {
    const killedPids = new Set(this.workers.filter((worker) => worker.killed).map((worker) => worker.node.child.pid));
    const runs = parseFaultRuns(await retrying(() => this.redis.hgetall(faultRunsKey(this.prefix))));
    const runsOf = new Map<string, FaultRun[]>();
    for (const run of runs) {
      const key = JSON.stringify([run.uid, run.instance]);
      runsOf.set(key, [...(runsOf.get(key) ?? []), run]);
    }
    const acks = this.acknowledged();
    const reference = await referenceSessions(this.sessions);
    const figures = {
      lost: 0,
      doubled: 0,
      stuck: 0,
      ranTwiceWithoutDeadWorker: 0,
      workerLostWithoutDeadWorker: 0,
      sessionsDiffering: 0,
      countsDiffering: 0,
      listedDiffering: 0,
    };
    const recounted = new Map<string, number>();
    /** `<status> <uid> <instance>` of every record in a listed status. */
    const inListedStatus = new Set<string>();
    let countedAcknowledged = 0;
    const example = (text: string): void => {
      if (this.examples.length < 12) this.examples.push(text);
    };

    for (const session of this.sessions) {
      const storage = getManager(this.container, session.uid).storage;
      const state: ComparedSession = await retrying(() => comparedSession(storage));
      const acked = acks.get(session.uid) ?? new Set<number>();
      const label = JSON.stringify(session.uid);

      // Each counted fire is one andEvery instance carrying its number.
      session.fires.forEach(([trigger, kwargs], i) => {
        const counted = COUNTED_TRIGGERS.get(trigger);
        if (counted === undefined) return;
        const applied = Object.values(state.instances).filter(
          (instance) => instance.task === counted.task && JSON.stringify((instance.kwargs as Record<string, unknown>)[trigger]) === JSON.stringify(kwargs),
        ).length;
        if (acked.has(i)) countedAcknowledged += 1;
        if (acked.has(i) && applied === 0) (figures.lost += 1), example(`lost: ${label} fire #${i} ${trigger} ${JSON.stringify(kwargs)}`);
        if (applied > 1) (figures.doubled += 1), example(`doubled: ${label} fire #${i} ${trigger} ${JSON.stringify(kwargs)} applied ${applied} times`);
      });

      for (const [name, instance] of Object.entries(state.instances)) {
        const ranBy = runsOf.get(JSON.stringify([session.uid, name])) ?? [];
        if (instance.status === TaskStatus.Scheduled || instance.status === TaskStatus.Running) {
          figures.stuck += 1;
          example(`stuck: ${label} ${name} ${instance.status} (${ranBy.length} runs)`);
        }
        // Every run but the last must have been cut short by its worker's death.
        if (ranBy.slice(0, -1).some((run) => !killedPids.has(run.pid))) {
          figures.ranTwiceWithoutDeadWorker += 1;
          example(`ran twice: ${label} ${name} by pids ${ranBy.map((run) => `${run.pid}${killedPids.has(run.pid) ? '(killed)' : ''}`).join(', ')}`);
        }
        if (instance.exceptionType === 'WorkerLostError') {
          // Without a recorded run, the worker that started it (on fetch) died before the task began: only possible if one died.
          const justified = ranBy.length === 0 ? killedPids.size > 0 : ranBy.some((run) => killedPids.has(run.pid));
          if (!justified) {
            figures.workerLostWithoutDeadWorker += 1;
            example(`WorkerLostError on a live worker: ${label} ${name} run by pids ${ranBy.map((run) => run.pid).join(', ') || 'none'}`);
          }
        }
      }

      const failureStacks: string[] = [];
      for (const instance of await retrying(() => storage.getInstances())) {
        const info = instance.metadata.exceptionInfo;
        if (instance.status === TaskStatus.Failed && typeof info === 'string') failureStacks.push(`${instance.name}: ${info.split('\n').slice(0, 6).map((line) => line.trim()).join(' | ')}`);
        const key = `${instance.taskName} ${instance.status}`;
        recounted.set(key, (recounted.get(key) ?? 0) + 1);
        if ((LISTED_STATUSES as readonly string[]).includes(instance.status)) inListedStatus.add(`${instance.status} ${JSON.stringify(session.uid)} ${instance.name}`);
      }

      const difference = sessionDifference(state, reference.get(session.uid) as ComparedSession);
      if (difference !== undefined) {
        figures.sessionsDiffering += 1;
        example(`differs from memory: ${label} ${difference}${failureStacks.length > 0 ? `; failures: ${failureStacks.join('; ')}` : ''}`);
      }
    }

    // The directory's counts, kept by the same scripts through restarts, re-sends and deaths, against the records.
    const directory = getManager(this.container, this.sessions[0]?.uid ?? 'none').storage.directory();
    const counts = directory === undefined ? undefined : await retrying(() => directory.counts());
    const counted = new Map<string, number>();
    for (const entry of counts?.tasks ?? []) for (const [status, n] of Object.entries(entry.counts)) counted.set(`${entry.task} ${status}`, n);
    for (const key of new Set([...recounted.keys(), ...counted.keys()])) {
      if (recounted.get(key) !== counted.get(key)) {
        figures.countsDiffering += 1;
        example(`counts: ${key}: directory ${counted.get(key) ?? 0}, records ${recounted.get(key) ?? 0}`);
      }
    }

    // The directory's listings, kept by the same scripts, against the records.
    if (directory !== undefined) {
      const listed = new Set<string>();
      for (const status of LISTED_STATUSES) {
        let cursor: string | undefined;
        do {
          const page = await retrying(() => directory.instancesByStatus(status, { limit: 1000, cursor }));
          for (const entry of page.entries) listed.add(`${status} ${JSON.stringify(entry.uid)} ${entry.instance}`);
          cursor = page.next;
        } while (cursor !== undefined);
      }
      for (const entry of new Set([...listed, ...inListedStatus])) {
        if (listed.has(entry) !== inListedStatus.has(entry)) {
          figures.listedDiffering += 1;
          example(`listing: ${entry}: ${listed.has(entry) ? 'listed, not in the records' : 'in the records, not listed'}`);
        }
      }
    }

    let forgedNotRefused = 0;
    for (const { jobId, uid } of this.forgedIds) {
      const queue = this.queueOf(uid);
      const state = await retrying(async () => (await queue.getJob(jobId))?.getState() ?? 'missing');
      if (state !== 'failed') {
        forgedNotRefused += 1;
        example(`forged job ${jobId} is ${state}, not failed`);
      }
    }
    const workerErrors = this.workers.map((worker) => worker.node.output()).join('\n').split('\n');
    const workerLostRejections = workerErrors.filter((line) => /rejected: WorkerLostError/.test(line)).length;
    const otherRejections = workerErrors.filter((line) => / rejected: /.test(line) && !/rejected: WorkerLostError/.test(line) && !FORGED_REFUSALS.test(line));
    for (const line of otherRejections) example(`other rejection: ${line.slice(0, 300)}`);
    // Worker-level errors (e.g. BullMQ failing to complete a job whose lock a failover lost): counted, not checked.
    const workerErrorLines = workerErrors.filter((line) => line.startsWith('worker error: '));

    const events = this.producers.flatMap((producer) => parseEvents(producer.node));
    return {
      figures: {
        seed: this.options.seed,
        sessions: this.sessions.length,
        fires: this.totalFires,
        acknowledged: [...acks.values()].reduce((sum, set) => sum + set.size, 0),
        countedAcknowledged,
        retries: events.filter((event) => event.e === 'retry').length,
        ambiguousRetries: events.filter((event) => event.e === 'retry' && event.maybeApplied).length,
        taskRuns: runs.length,
        ...this.counts,
        forgedJobs: this.forgedIds.length,
        workerLostRejections,
        otherRejections: otherRejections.length,
        workerErrors: workerErrorLines.length,
        missingLocks: workerErrorLines.filter((line) => /Missing lock|Lock mismatch/.test(line)).length,
        settleMs,
        ...figures,
        forgedNotRefused,
        producerErrors,
      },
      examples: this.examples,
    };
  }

  private async cleanUp(): Promise<void> {
    await killChildren();
    if (this.container !== undefined) await closeTriggersContainer(this.container).catch(() => undefined);
    if (this.server !== undefined) await this.server.remove();
    if (this.cluster !== undefined) await this.cluster.stop();
    if (this.sentinelSet !== undefined) await this.sentinelSet.stop();
  }
}
