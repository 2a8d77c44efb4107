import { RedisClusterProcess } from '../../src/testing';
import type { BenchContext } from '../support/BenchContext';
import { CpuAccount, cpuPerUnit, processCpuMs } from '../support/CpuAccount';
import { compare } from '../support/BenchReport';
import type { ScenarioResult } from '../support/BenchReport';
import { TriggersSide } from '../sides/TriggersSide';

/**
 * The throughput and hop scenarios on a local Redis Cluster of 3 masters
 * (16 shards per prefix) beside the single node, in the same run and the
 * same repetitions (each side first in turn): tasks/s of the 3-task
 * workflow in many sessions, and the per-hop latency of a chain, with the
 * CPU per task / hop of each process (the cluster's `redis` is the sum of
 * its three servers). Not in the default run: `BENCH_ONLY=cluster`.
 * Every process shares the same cores, so on a small machine three
 * servers compete with the producer and the worker instead of adding
 * capacity.
 */
export async function clusterScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const sessions = Math.min(ctx.sizes.sessions, 500);
  const length = Math.min(ctx.sizes.chainLength, 300);
  const concurrency = ctx.sizes.concurrency;
  const tasks = sessions * 3;
  const cluster = await RedisClusterProcess.start({ masters: 3 });
  const nodes = cluster.nodes;
  const clusterCpuSeconds = async (): Promise<number> => {
    const ms = await Promise.all(cluster.processes.map((server) => (server.pid === undefined ? 0 : processCpuMs(server.pid))));
    return ms.reduce((sum, one) => sum + one, 0) / 1000;
  };
  const single = { flows: await TriggersSide.start(ctx.redisUrl, 'single-flows', concurrency), chain: await TriggersSide.start(ctx.redisUrl, 'single-chain', 1) };
  const sharded = {
    flows: await TriggersSide.start(ctx.redisUrl, 'cluster-flows', concurrency, nodes),
    chain: await TriggersSide.start(ctx.redisUrl, 'cluster-chain', 1, nodes),
  };
  try {
    const [singleTps, clusterTps] = await ctx.harness.measure(
      `${sessions} sessions x 3 tasks, concurrency ${concurrency}: single node vs 3-master cluster`,
      [
        { id: 'single.throughput', label: `single node throughput (${sessions} sessions x 3 tasks)`, unit: 'tasks/s', direction: 'higher' },
        { id: 'cluster.throughput', label: `3-master cluster throughput (${sessions} sessions x 3 tasks)`, unit: 'tasks/s', direction: 'higher' },
      ],
      async (run) => {
        const sides: Array<[string, () => Promise<number>]> = [
          ['single.throughput', () => single.flows.workflows(`cflows-${run}-single`, sessions, 50)],
          ['cluster.throughput', () => sharded.flows.workflows(`cflows-${run}-cluster`, sessions, 50)],
        ];
        const result: Record<string, number> = {};
        for (let k = 0; k < sides.length; k += 1) {
          const [metric, side] = sides[(run + k) % sides.length];
          result[metric] = tasks / ((await side()) / 1000);
        }
        return result;
      },
      { repetitions: Math.min(ctx.sizes.heavyRepetitions, 3) },
    );
    const [singleHop, clusterHop] = await ctx.harness.measure(
      `cascade chain of ${length}: single node vs 3-master cluster`,
      [
        { id: 'single.cascade.hop', label: 'single node cascade hop (worker process)', unit: 'ms/hop', direction: 'lower' },
        { id: 'cluster.cascade.hop', label: '3-master cluster cascade hop (worker process)', unit: 'ms/hop', direction: 'lower' },
      ],
      async (run) => {
        const first = run % 2 === 0;
        const a = first ? await single.chain.chain(`cchain-${run}-single`, length) : 0;
        const b = await sharded.chain.chain(`cchain-${run}-cluster`, length);
        const c = first ? a : await single.chain.chain(`cchain-${run}-single`, length);
        return { 'single.cascade.hop': c / length, 'cluster.cascade.hop': b / length };
      },
      { repetitions: Math.min(ctx.sizes.heavyRepetitions, 3) },
    );
    const singleAccount = (pid: number) => new CpuAccount(() => ctx.probe.cpuSeconds(), pid);
    const clusterAccount = (pid: number) => new CpuAccount(clusterCpuSeconds, pid);
    const cpu = {
      [`single node workflow task (${sessions} sessions x 3)`]: cpuPerUnit(await singleAccount(single.flows.workerPid).during((timed) => single.flows.workflows('ccpu-single', sessions, 50, timed)), tasks),
      [`3-master cluster workflow task (${sessions} sessions x 3)`]: cpuPerUnit(await clusterAccount(sharded.flows.workerPid).during((timed) => sharded.flows.workflows('ccpu-cluster', sessions, 50, timed)), tasks),
      [`single node cascade hop (chain of ${length})`]: cpuPerUnit(await singleAccount(single.chain.workerPid).during((timed) => single.chain.chain('ccpu-chain-single', length, timed)), length),
      [`3-master cluster cascade hop (chain of ${length})`]: cpuPerUnit(await clusterAccount(sharded.chain.workerPid).during((timed) => sharded.chain.chain('ccpu-chain-cluster', length, timed)), length),
    };
    ctx.log(`  CPU per task / hop (us): ${JSON.stringify(cpu)}`);
    return {
      measurements: [singleTps, clusterTps, singleHop, clusterHop],
      comparisons: [
        compare('clusterThroughput', 'throughput, 3-master cluster vs single node', clusterTps, singleTps, 'tasks/s; higher is better'),
        compare('clusterHop', 'cascade hop, 3-master cluster vs single node', clusterHop, singleHop, 'per-hop latency; lower is better'),
      ],
      cpu,
    };
  } finally {
    for (const side of [single.flows, single.chain, sharded.flows, sharded.chain]) await side.close();
    await cluster.stop();
  }
}
