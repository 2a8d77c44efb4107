import type { BenchContext } from '../support/BenchContext';
import { CpuAccount, cpuPerUnit } from '../support/CpuAccount';
import { emptyCommandCost } from '../support/emptyCommandCost';
import type { Timed } from '../support/CpuAccount';
import { compare, target } from '../support/BenchReport';
import type { ScenarioResult } from '../support/BenchReport';
import { HandRolledJoin } from '../sides/HandRolledJoin';
import { RawBullmqSide } from '../sides/RawBullmqSide';
import { TriggersSide } from '../sides/TriggersSide';

/**
 * Tasks per second with many sessions at once: each session runs a 3-task
 * workflow (`t_join after [A, B]`, `t_second after [t_join]`, `t_third after
 * [t_second]`), A and B fired by 50 concurrent producers; against raw BullMQ
 * running the same number of jobs (3 per session, each handler adding the
 * next) with the same worker concurrency. The same workflow hand-rolled
 * (a Redis set per session for the join, handlers adding the next job, no
 * state kept) runs in the same repetitions, to show how much of the raw
 * rate a join costs before any of Triggers' per-task state.
 */
export async function throughputScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const { sessions, concurrency } = ctx.sizes;
  const tasks = sessions * 3;
  const raw = await RawBullmqSide.start(ctx.redisUrl, 'raw-flows', concurrency);
  const triggers = await TriggersSide.start(ctx.redisUrl, 'bench-flows', concurrency);
  const hand = await HandRolledJoin.start(ctx.redisUrl, 'handrolled-flows', concurrency);
  try {
    const [tps, rawTps, handTps] = await ctx.harness.measure(
      `${sessions} sessions x 3 tasks, concurrency ${concurrency}`,
      [
        { id: 'redis.throughput', label: `Triggers throughput (${sessions} sessions x 3 tasks)`, unit: 'tasks/s', direction: 'higher' },
        { id: 'raw.throughput', label: `raw BullMQ throughput (${tasks} jobs)`, unit: 'tasks/s', direction: 'higher' },
        { id: 'handrolled.throughput', label: `hand-rolled workflow throughput (${sessions} sessions x 3 jobs)`, unit: 'tasks/s', direction: 'higher' },
      ],
      async (run) => {
        const id = `flows-${run}`;
        const sides: Array<[string, () => Promise<number>]> = [
          ['redis.throughput', () => triggers.workflows(`${id}-triggers`, sessions, 50)],
          ['raw.throughput', () => raw.flows(`${id}-raw`, sessions, 3, 50)],
          ['handrolled.throughput', () => hand.joins(`${id}-hand`, sessions, 50, 3)],
        ];
        // Each side goes first, second and third in turn, so no side always runs on a warmer or busier machine.
        const result: Record<string, number> = {};
        for (let k = 0; k < sides.length; k += 1) {
          const [metric, side] = sides[(run + k) % sides.length];
          result[metric] = tasks / ((await side()) / 1000);
        }
        return result;
      },
      { repetitions: ctx.sizes.heavyRepetitions },
    );
    const account = (pid: number, run: (timed: Timed) => Promise<unknown>) => new CpuAccount(() => ctx.probe.cpuSeconds(), pid).during(run);
    const triggersCpu = cpuPerUnit(await account(triggers.workerPid, (timed) => triggers.workflows('cpu-triggers', sessions, 50, timed)), tasks);
    const rawCpu = cpuPerUnit(await account(raw.workerPid, (timed) => timed(() => raw.flows('cpu-raw', sessions, 3, 50))), tasks);
    const handCpu = cpuPerUnit(await account(hand.workerPid, (timed) => timed(() => hand.joins('cpu-hand', sessions, 50, 3))), tasks);
    ctx.log(`  CPU per task (us): Triggers ${JSON.stringify(triggersCpu)}, raw BullMQ ${JSON.stringify(rawCpu)}, hand-rolled ${JSON.stringify(handCpu)}`);
    const batched = await emptyCommandCost(ctx.redisUrl, ctx.probe, concurrency, 20_000);
    ctx.log(`  one empty EVALSHA among ${concurrency} concurrent callers: ${batched.client} us client + ${batched.redis} us server CPU`);
    const comparison = compare('throughput', 'throughput vs raw BullMQ', tps, rawTps, 'tasks/s; higher is better');
    return {
      measurements: [tps, rawTps, handTps],
      comparisons: [
        comparison,
        compare('handRolledFlows', 'hand-rolled workflow vs raw BullMQ (no Triggers)', handTps, rawTps, 'tasks/s; what the join alone costs, no state kept'),
        compare('throughputVsHand', 'throughput vs hand-rolled workflow', tps, handTps, 'tasks/s; higher is better'),
      ],
      cpu: {
        [`Triggers workflow task (${sessions} sessions x 3)`]: triggersCpu,
        [`raw BullMQ job (${tasks} jobs)`]: rawCpu,
        [`hand-rolled workflow task (${sessions} sessions x 3)`]: handCpu,
        [`one empty EVALSHA among ${concurrency} concurrent callers`]: { redis: batched.redis, worker: 0, producer: batched.client, total: batched.redis + batched.client },
      },
      floors: [
        {
          label: 'CPU per task, raw BullMQ vs Triggers (all processes): the most the throughput ratio can be',
          value: rawCpu.total / triggersCpu.total,
          detail:
            `${rawCpu.total} vs ${triggersCpu.total} us. Producer, worker and redis-server share the same cores and the ` +
            `workload keeps them busy, so tasks/s is bounded by total CPU per task on both sides.`,
        },
      ],
      targets: [target('throughput', 'throughput >= 0.6x raw BullMQ', comparison.ratio, '>=', 0.6, 'x')],
    };
  } finally {
    await raw.close();
    await triggers.close();
    await hand.close();
  }
}
