/**
 * What the `replication` option (Redis WAIT after every storage write)
 * costs on a Sentinel set: `npm run bench:replication [-- --json]`.
 *
 * Starts its own Sentinel set on loopback (1 primary, 2 replicas,
 * 3 sentinels, AOF with `appendfsync everysec`; spec/support/RedisSentinelSet.ts), then, for each side
 * (no wait, `replicas: 1`, `replicas: 2`), a `triggers worker` process
 * connected through the sentinels with the matching `--wait-replicas`, and
 * a producer container in this process with the same setting. Each
 * repetition runs every side in turn (rotating which goes first) and
 * measures: sequential fire latency (one write each), the hop latency of a
 * cascade chain (worker concurrency 1), and the throughput of 3-task
 * workflows in many sessions fired by concurrent producers.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import type { Container } from 'inversify';
import { closeTriggersContainer, createTriggersContainer, getManager } from '../../src';
import type { ReplicationWait, TriggerConfiguration, TriggerManager } from '../../src';
import { RedisSentinelSet } from '../../spec/support/RedisSentinelSet';
import { killChildren, spawnNode } from '../../spec/support/childProcesses';
import type { NodeChild } from '../../spec/support/childProcesses';
import { DoneCounter } from '../support/DoneCounter';
import { lanes } from '../support/lanes';
import '../tasks';

interface Side {
  label: string;
  replication?: ReplicationWait;
  container: Container;
  worker: NodeChild;
  done: DoneCounter;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function startSide(set: RedisSentinelSet, primaryUrl: string, label: string, prefix: string, concurrency: number, replication?: ReplicationWait): Promise<Side> {
  const sentinels = set.sentinels.map(({ host, port }) => `${host}:${port}`).join(',');
  const wait = replication === undefined ? [] : ['--wait-replicas', String(replication.replicas), '--wait-timeout', String(replication.timeoutMs)];
  const worker = spawnNode(
    ['dist/src/cli/main.js', 'worker', '--sentinel', sentinels, '--sentinel-name', set.name, ...wait, '--prefix', prefix, '--require', './dist/bench/tasks/index.js', '--concurrency', String(concurrency), '--quiet'],
    // BenchCountTask signals the end of a run straight to the primary (it does not change during the bench).
    { BENCH_REDIS_URL: primaryUrl },
  );
  // --quiet prints nothing once ready: wait until its BullMQ worker is registered instead.
  const probe = new Redis(primaryUrl);
  try {
    const deadline = Date.now() + 20_000;
    while (!(await probe.keys(`${prefix}:workers`)).length) {
      if (Date.now() > deadline || worker.child.exitCode !== null) throw new Error(`worker ${label} did not start:\n${worker.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    probe.disconnect();
  }
  const container = createTriggersContainer({
    redis: { sentinels: set.sentinels, name: set.name },
    prefix,
    defaultRunner: 'bullmq',
    ...(replication === undefined ? {} : { replication }),
    connectionLog: () => undefined,
  });
  return { label, replication, container, worker, done: new DoneCounter(new Redis(primaryUrl)) };
}

async function session(side: Side, uid: string, config: TriggerConfiguration): Promise<TriggerManager> {
  const manager = getManager(side.container, uid);
  await manager.updateConfiguration(config);
  return manager;
}

/** ms per fire of `count` sequential fires that schedule nothing (one storage write each). */
async function fireLatency(side: Side, run: string, count: number): Promise<number> {
  const manager = await session(side, `fires-${run}`, { t_never: { after: ['never'], run: 'BenchNoopTask' } });
  const start = performance.now();
  for (let i = 0; i < count; i += 1) await manager.fire('tick', { i });
  return (performance.now() - start) / count;
}

/** ms per hop along a chain of `length` tasks. */
async function hopLatency(side: Side, run: string, length: number): Promise<number> {
  const config: TriggerConfiguration = {};
  for (let i = 0; i < length; i += 1) config[`t_${i}`] = { after: [i === 0 ? 'go' : `t_${i - 1}`], run: 'BenchNoopTask' };
  config[`t_${length - 1}`] = { ...config[`t_${length - 1}`], run: 'BenchCountTask', withParams: { bench: { run: `${side.label}-${run}`, expected: 1 } } };
  const manager = await session(side, `chain-${run}`, config);
  const start = performance.now();
  await manager.fire('go');
  await side.done.waitFor(`${side.label}-${run}`, 120_000);
  return (performance.now() - start) / length;
}

/** tasks/s of `sessions` 3-task workflows (a join of A and B, two cascades), A and B fired by `producers` concurrent producers. */
async function throughput(side: Side, run: string, sessions: number, producers: number): Promise<number> {
  const name = `${side.label}-${run}`;
  const config: TriggerConfiguration = {
    t_join: { after: ['A', 'B'], run: 'BenchNoopTask' },
    t_second: { after: ['t_join'], run: 'BenchNoopTask' },
    t_third: { after: ['t_second'], run: 'BenchCountTask', withParams: { bench: { run: name, expected: sessions } } },
  };
  const managers: TriggerManager[] = [];
  await lanes(sessions, producers, async (i) => {
    managers[i] = await session(side, `${run}-s${i}`, config);
  });
  const start = performance.now();
  await lanes(sessions * 2, producers, async (i) => {
    await managers[i >> 1].fire(i % 2 === 0 ? 'A' : 'B', { i });
  });
  await side.done.waitFor(name, 300_000);
  return (sessions * 3) / ((performance.now() - start) / 1000);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      repetitions: { type: 'string', default: '3' },
      fires: { type: 'string', default: '300' },
      chain: { type: 'string', default: '200' },
      sessions: { type: 'string', default: '300' },
      json: { type: 'boolean', default: false },
    },
  });
  const repetitions = Number(values.repetitions);
  const sizes = { fires: Number(values.fires), chain: Number(values.chain), sessions: Number(values.sessions), producers: 20, concurrency: 20 };
  const log = (line: string): void => void (values.json ? process.stderr : process.stdout).write(`${line}\n`);
  // AOF fsync once a second, Redis's default and the usual production setting (the test fixture fsyncs every write).
  const set = await RedisSentinelSet.start({ replicas: 2, sentinels: 3, serverArgs: ['--appendfsync', 'everysec'] });
  const sides: Side[] = [];
  try {
    const primaryUrl = `redis://127.0.0.1:${await set.primaryPort()}`;
    const variants: Array<[string, ReplicationWait | undefined]> = [
      ['no wait', undefined],
      ['WAIT 1 replica', { replicas: 1, timeoutMs: 1000 }],
      ['WAIT 2 replicas', { replicas: 2, timeoutMs: 1000 }],
    ];
    for (const [label, replication] of variants) {
      sides.push(await startSide(set, primaryUrl, label.replace(/\W+/g, '-'), `bench-repl-${sides.length}`, sizes.concurrency, replication));
    }
    const samples = new Map<string, { fire: number[]; hop: number[]; throughput: number[] }>(sides.map((side) => [side.label, { fire: [], hop: [], throughput: [] }]));
    // One warm-up repetition (run 0), not counted.
    for (let run = 0; run <= repetitions; run += 1) {
      for (let k = 0; k < sides.length; k += 1) {
        const side = sides[(k + run) % sides.length];
        const fire = await fireLatency(side, `r${run}`, sizes.fires);
        const hop = await hopLatency(side, `r${run}`, sizes.chain);
        const rate = await throughput(side, `r${run}`, sizes.sessions, sizes.producers);
        if (run > 0) {
          const sample = samples.get(side.label)!;
          sample.fire.push(fire);
          sample.hop.push(hop);
          sample.throughput.push(rate);
        }
        log(`  ${run === 0 ? 'warm-up' : `run ${run}`} ${side.label.padEnd(16)} fire ${fire.toFixed(3)} ms  hop ${hop.toFixed(3)} ms  throughput ${rate.toFixed(0)} tasks/s`);
      }
    }
    const base = samples.get(sides[0].label)!;
    const rows = sides.map((side) => {
      const sample = samples.get(side.label)!;
      return {
        side: side.label,
        fireMs: median(sample.fire),
        hopMs: median(sample.hop),
        tasksPerSecond: median(sample.throughput),
        fireRatio: median(sample.fire) / median(base.fire),
        hopRatio: median(sample.hop) / median(base.hop),
        throughputRatio: median(sample.throughput) / median(base.throughput),
      };
    });
    if (values.json) process.stdout.write(`${JSON.stringify({ sizes, repetitions, rows, samples: Object.fromEntries(samples) }, null, 2)}\n`);
    else {
      log(`\nreplication waits on a Sentinel set (1 primary, 2 replicas, loopback), medians of ${repetitions} repetitions`);
      log(`| side | fire (ms) | cascade hop (ms) | throughput (tasks/s) | fire vs no wait | hop vs no wait | throughput vs no wait |`);
      log(`|---|---|---|---|---|---|---|`);
      for (const row of rows) {
        log(
          `| ${row.side} | ${row.fireMs.toFixed(3)} | ${row.hopMs.toFixed(3)} | ${row.tasksPerSecond.toFixed(0)} | ${row.fireRatio.toFixed(2)}x | ${row.hopRatio.toFixed(2)}x | ${row.throughputRatio.toFixed(2)}x |`,
        );
      }
    }
    return 0;
  } finally {
    for (const side of sides) {
      side.worker.child.kill('SIGTERM');
      await side.worker.exited;
      await side.done.close();
      await closeTriggersContainer(side.container);
    }
    await killChildren();
    await set.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench:replication failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
