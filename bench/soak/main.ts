/**
 * The long fault suite: `npm run soak -- --minutes 5 --seed 7 [--sessions N] [--sentinel] [--json]`
 * (`--sentinel`: on a Sentinel set, primaries SIGKILLed instead of Redis restarts).
 * Runs rounds of the fault scenario (seeds `seed`, `seed + 1`, ...) until
 * the time is up, prints each round's failed checks, then the figures
 * summed over the rounds as a table (or JSON). Exits 1 when a check failed.
 * See docs/guarantees.md for what the checks stand for.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import type { FaultFigures } from '../../spec/support/faultSuite/FaultFigures';
import { addFigures, failedChecks, formatFigures } from '../../spec/support/faultSuite/FaultFigures';
import { FaultScenario } from '../../spec/support/faultSuite/FaultScenario';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '5' },
      seed: { type: 'string', default: '7' },
      sessions: { type: 'string', default: '24' },
      sentinel: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  const minutes = Number(values.minutes);
  const seed = Number(values.seed);
  const sessions = Number(values.sessions);
  if (!(minutes > 0) || !Number.isInteger(seed) || !(sessions > 1)) throw new Error('usage: soak [--minutes N] [--seed N] [--sessions N] [--sentinel] [--json]');
  const log = (line: string): void => void (values.json ? process.stderr : process.stdout).write(`${line}\n`);
  const end = Date.now() + minutes * 60_000;
  let total: FaultFigures | undefined;
  const rounds: Array<{ figures: FaultFigures; examples: string[] }> = [];
  for (let round = 0; round === 0 || Date.now() < end; round += 1) {
    const started = Date.now();
    const report = await FaultScenario.run({
      seed: seed + round,
      sessions,
      producers: 3,
      workers: 3,
      concurrency: 3,
      // On a Sentinel set (--sentinel), primaries killed (failovers) instead of one server restarted.
      ...(values.sentinel ? { sentinel: true, primaryKills: 3, redisRestarts: 0 } : { redisRestarts: 4 }),
      workerKills: 5,
      producerKills: 2,
      duplicateBatches: 3,
      forgedBatches: 2,
      paceMs: 300,
      settleMs: 25_000,
      lockDurationMs: 1000,
      stalledIntervalMs: 500,
    });
    rounds.push(report);
    total = addFigures(total, report.figures);
    const failed = failedChecks(report.figures);
    log(`round ${round + 1} (seed ${seed + round}, ${((Date.now() - started) / 1000).toFixed(1)} s): ${failed.length === 0 ? 'all checks pass' : failed.join(', ')}`);
    for (const example of report.examples.slice(0, 4)) log(`  ${example}`);
  }
  const figures = total as FaultFigures;
  if (values.json) process.stdout.write(`${JSON.stringify({ minutes, seed, rounds: rounds.length, total: figures, perRound: rounds }, null, 2)}\n`);
  else process.stdout.write(`\nsoak: ${rounds.length} rounds, seeds ${seed}..${seed + rounds.length - 1}\n${formatFigures(figures)}\n`);
  return failedChecks(figures).length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`soak failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(2);
  },
);
