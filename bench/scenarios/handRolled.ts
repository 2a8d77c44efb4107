import type { BenchContext } from '../support/BenchContext';
import { compare } from '../support/BenchReport';
import type { ScenarioResult } from '../support/BenchReport';
import { HandRolledJoin } from '../sides/HandRolledJoin';
import { TriggersSide } from '../sides/TriggersSide';

/**
 * The join "run after A and B, in any order" for many sessions, written by
 * hand (a Redis set per session + a BullMQ queue) against Triggers
 * (`t_join after [A, B]`); 50 concurrent producers, worker concurrency 50,
 * joined sessions per second until every join task ran.
 */
export async function handRolledScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const { sessions, concurrency } = ctx.sizes;
  const hand = await HandRolledJoin.start(ctx.redisUrl, 'handrolled', concurrency);
  const triggers = await TriggersSide.start(ctx.redisUrl, 'bench-join', concurrency);
  try {
    const [joins, handJoins] = await ctx.harness.measure(
      `join of A and B in ${sessions} sessions`,
      [
        { id: 'redis.join', label: `Triggers join (${sessions} sessions)`, unit: 'joins/s', direction: 'higher' },
        { id: 'handrolled.join', label: `hand-rolled join, Redis set + BullMQ (${sessions} sessions)`, unit: 'joins/s', direction: 'higher' },
      ],
      async (run) => {
        const id = `join-${run}`;
        const first = run % 2 === 0;
        const handEarly = first ? await hand.joins(`${id}-hand`, sessions, 50) : 0;
        const triggersMs = await triggers.joins(`${id}-triggers`, sessions, 50);
        const handMs = first ? handEarly : await hand.joins(`${id}-hand`, sessions, 50);
        return { 'redis.join': sessions / (triggersMs / 1000), 'handrolled.join': sessions / (handMs / 1000) };
      },
      { repetitions: ctx.sizes.heavyRepetitions },
    );
    return {
      measurements: [joins, handJoins],
      comparisons: [compare('handRolled', 'Triggers join vs hand-rolled join', joins, handJoins, 'joins/s; higher is better')],
    };
  } finally {
    await hand.close();
    await triggers.close();
  }
}
