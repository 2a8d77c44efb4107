import 'reflect-metadata';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { Harness } from './harness';
import { ReportWriter, consoleTable } from './report';
import { RedisServerProcess } from '../src/testing';
import { SCENARIOS } from './scenarios';
import type { BenchContext } from './support/BenchContext';
import type { BenchReport, ScenarioResult } from './support/BenchReport';
import { benchSizes } from './support/BenchSizes';
import { RedisProbe } from './support/RedisProbe';

/**
 * `npm run bench`: starts a private redis-server, runs every scenario of
 * issue 4 (or those named in `BENCH_ONLY=a,b`, which may name the opt-in
 * ones: `cluster`), prints the table and writes
 * `bench/results/latest.{json,md}` + `latest-history.svg` (`quick.*` for
 * `BENCH_QUICK=1` or partial runs).
 */
async function main(): Promise<void> {
  const started = performance.now();
  const sizes = benchSizes();
  const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim()).filter(Boolean);
  const selected = SCENARIOS.filter((s) => (only === undefined ? s.optIn !== true : only.includes(s.name)));
  if (selected.length === 0) throw new Error(`BENCH_ONLY matched no scenario; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const redis = await RedisServerProcess.start();
  const probe = new RedisProbe(redis.url);
  const ctx: BenchContext = { harness: new Harness(sizes, log), sizes, redisUrl: redis.url, probe, log };
  const report: BenchReport = {
    generatedAt: new Date().toISOString(),
    mode: sizes.quick ? 'quick' : 'full',
    durationSeconds: 0,
    environment: {
      node: process.version,
      redis: await probe.version(),
      cpus: `${cpus().length} x ${cpus()[0]?.model ?? 'unknown'}`,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      warmup: sizes.warmup,
      repetitions: `${sizes.repetitions} (heavy scenarios ${sizes.heavyRepetitions})`,
    },
    measurements: [],
    comparisons: [],
    targets: [],
    history: [],
    roundTrips: {},
    cpu: {},
    floors: [],
  };
  try {
    for (const scenario of selected) {
      log(`\n== ${scenario.name}: ${scenario.description}`);
      await probe.flush();
      const result: ScenarioResult = await scenario.run(ctx);
      report.measurements.push(...result.measurements);
      report.comparisons.push(...(result.comparisons ?? []));
      report.targets.push(...(result.targets ?? []));
      report.history.push(...(result.history ?? []));
      Object.assign(report.roundTrips, result.roundTrips ?? {});
      Object.assign(report.cpu, result.cpu ?? {});
      report.floors.push(...(result.floors ?? []));
    }
  } finally {
    await probe.close();
    await redis.stop();
  }
  report.durationSeconds = (performance.now() - started) / 1000;
  const partial = sizes.quick || only !== undefined;
  const files = new ReportWriter(join(__dirname, '..', '..', 'bench', 'results'), partial ? 'quick' : 'latest').write(report);
  process.stdout.write(`\n${consoleTable(report)}\n\nWrote ${files.join(', ')}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
