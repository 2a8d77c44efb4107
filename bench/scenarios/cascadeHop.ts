import type { BenchContext } from '../support/BenchContext';
import { CpuAccount, cpuPerUnit } from '../support/CpuAccount';
import { emptyCommandCost } from '../support/emptyCommandCost';
import { compare, target } from '../support/BenchReport';
import type { ScenarioResult } from '../support/BenchReport';
import { RawBullmqSide } from '../sides/RawBullmqSide';
import { TriggersSide } from '../sides/TriggersSide';

/**
 * Per-hop latency of a chain of tasks across a worker process: Triggers
 * (each task after the previous one, cascade through Redis storage and the
 * BullMQ runner) against raw BullMQ (each job's handler adds the next job).
 * Both workers run with concurrency 1; each repetition runs both sides.
 */
export async function cascadeHopScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const length = ctx.sizes.chainLength;
  const raw = await RawBullmqSide.start(ctx.redisUrl, 'raw-chain', 1);
  const triggers = await TriggersSide.start(ctx.redisUrl, 'bench-chain', 1);
  try {
    const [hop, rawHop] = await ctx.harness.measure(
      `cascade chain of ${length}`,
      [
        { id: 'redis.cascade.hop', label: 'Triggers cascade hop (worker process)', unit: 'ms/hop', direction: 'lower' },
        { id: 'raw.chain.hop', label: 'raw BullMQ chain hop (worker process)', unit: 'ms/hop', direction: 'lower' },
      ],
      async (run) => {
        const id = `chain-${run}`;
        // Alternate which side goes first so neither always runs on a warmer machine.
        const order = run % 2 === 0;
        const rawMs = order ? await raw.chain(`${id}-raw`, length) : 0;
        const triggersMs = await triggers.chain(`${id}-triggers`, length);
        const rawLate = order ? rawMs : await raw.chain(`${id}-raw`, length);
        return { 'redis.cascade.hop': triggersMs / length, 'raw.chain.hop': rawLate / length };
      },
      { repetitions: ctx.sizes.heavyRepetitions },
    );
    const probeLength = 20;
    const perHop = async (chain: () => Promise<unknown>) => {
      const counted = await ctx.probe.count(async () => {
        await chain();
      });
      const out: Record<string, number> = { client: counted.client / probeLength, scripted: counted.scripted / probeLength };
      for (const [name, n] of Object.entries(counted.byCommand)) out[name] = n / probeLength;
      return out;
    };
    const triggersHop = await perHop(() => triggers.chain('probe-triggers', probeLength));
    const rawHopCount = await perHop(() => raw.chain('probe-raw', probeLength));
    ctx.log(`  per hop: Triggers ${triggersHop.client} client commands, raw BullMQ ${rawHopCount.client}`);
    const cpuLength = Math.min(length, 500);
    const triggersCpu = cpuPerUnit(await new CpuAccount(() => ctx.probe.cpuSeconds(), triggers.workerPid).during((timed) => triggers.chain('cpu-triggers', cpuLength, timed)), cpuLength);
    const rawCpu = cpuPerUnit(await new CpuAccount(() => ctx.probe.cpuSeconds(), raw.workerPid).during((timed) => timed(() => raw.chain('cpu-raw', cpuLength))), cpuLength);
    ctx.log(`  CPU per hop (us): Triggers ${JSON.stringify(triggersCpu)}, raw BullMQ ${JSON.stringify(rawCpu)}`);
    const empty = await emptyCommandCost(ctx.redisUrl, ctx.probe);
    const floor = (rawHop.median * 1000 + empty.latency) / (rawHop.median * 1000);
    ctx.log(`  one empty EVALSHA round trip: ${empty.latency} us latency, ${empty.client} us client + ${empty.redis} us server CPU; raw hop + 1 empty command = ${floor.toFixed(2)}x raw`);
    const comparison = compare('cascadeHop', `cascade hop vs raw BullMQ (chain of ${length})`, hop, rawHop, 'per-hop latency; lower is better');
    return {
      measurements: [hop, rawHop],
      comparisons: [comparison],
      roundTrips: { 'Triggers cascade hop (per hop, chain of 20)': triggersHop, 'raw BullMQ chain hop (per hop, chain of 20)': rawHopCount },
      cpu: {
        [`Triggers cascade hop (chain of ${cpuLength})`]: triggersCpu,
        [`raw BullMQ chain hop (chain of ${cpuLength})`]: rawCpu,
        'one empty EVALSHA round trip (return 1)': { redis: empty.redis, worker: 0, producer: empty.client, total: empty.redis + empty.client },
      },
      floors: [
        {
          label: 'CPU per hop, Triggers vs raw BullMQ (all processes)',
          value: triggersCpu.total / rawCpu.total,
          detail:
            `${triggersCpu.total} vs ${rawCpu.total} us. A chain runs one hop at a time, so a hop's latency is mostly CPU on its path; ` +
            `Triggers' hop is 1 round trip (its finish, then BullMQ's completion, which fetches and starts the next job), raw BullMQ's 2 ` +
            `(add the next job, then complete): the latency ratio follows this CPU ratio, less the waiting of the round trip Triggers saves ` +
            `(${empty.latency} us for an empty command here; raw hop + 1 empty command = ${floor.toFixed(2)}x raw).`,
        },
      ],
      targets: [target('cascadeHop', 'cascade hop <= 1.5x raw BullMQ', comparison.ratio, '<=', 1.5, 'x')],
    };
  } finally {
    await raw.close();
    await triggers.close();
  }
}
