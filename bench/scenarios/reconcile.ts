import { Redis } from 'ioredis';
import { TRIGGERS, closeTriggersContainer, createTriggersContainer, getManager } from '../../src';
import type { RedisConnection, TriggerManager } from '../../src';
import { DEFAULT_QUEUE } from '../../src/redis/bullmq/BullMQRunnerOptions';
import { InstanceReconciler } from '../../src/redis/worker/InstanceReconciler';
import { format } from '../harness';
import type { BenchContext } from '../support/BenchContext';
import type { ScenarioResult } from '../support/BenchReport';
import { lanes } from '../support/lanes';
import '../tasks';

/** Sessions the unresolved instances are spread over. */
const SESSIONS = 100;
/** The worker's default page of the unresolved index per pass (`reconcileBatch`). */
const DEFAULT_BATCH = 100;

/**
 * The cost of the worker's reconciliation pass (`InstanceReconciler`) over
 * a directory holding N unresolved instances: N scheduled instances (an
 * `andEvery` task fired N times over 100 sessions) whose BullMQ jobs wait
 * in a queue nobody consumes, so every entry is examined and ends at its
 * live job, the common case of a healthy system. Per size: one pass over
 * every entry (batch N: what a full sweep costs, per instance) and one
 * pass of the default batch (100 unresolved entries, what each periodic
 * pass costs). Also accounts the redis-server CPU per examined entry.
 */
export async function reconcileScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const container = createTriggersContainer({ redis: ctx.redisUrl, prefix: 'bench-reconcile' });
  const jobRedis = new Redis(ctx.redisUrl, { maxRetriesPerRequest: null });
  const connection = container.get<RedisConnection>(TRIGGERS.RedisConnection);
  const reconciler = (batch: number) =>
    new InstanceReconciler(container, connection, jobRedis, [DEFAULT_QUEUE], { graceMs: 0, batch, heartbeatTimeoutMs: 30_000 });
  try {
    const managers: TriggerManager[] = [];
    for (let s = 0; s < SESSIONS; s += 1) {
      const manager = getManager(container, `reconcile-${s}`);
      await manager.updateConfiguration({ t_wait: { after: [], andEvery: 'go', run: 'BenchNoopTask' } });
      managers.push(manager);
    }
    const result: ScenarioResult = { measurements: [], cpu: {} };
    let built = 0;
    for (const size of ctx.sizes.reconcileSizes) {
      await lanes(size - built, 50, async (i) => {
        await managers[(built + i) % SESSIONS].fire('go', { i });
      });
      built = size;
      await serverClockPast(jobRedis);
      const sweep = reconciler(size);
      const periodic = reconciler(DEFAULT_BATCH);
      const label = size.toLocaleString('en-US');
      let examined = 0;
      const measured = await ctx.harness.measure(
        `reconciliation over ${label} scheduled instances`,
        [
          { id: `reconcile.sweep${size}`, label: `reconciliation pass over ${label} unresolved instances (batch ${label})`, unit: 'ms/pass', direction: 'lower' },
          { id: `reconcile.perInstance${size}`, label: `reconciliation, per instance examined (${label} unresolved)`, unit: 'ms/instance', direction: 'lower' },
          { id: `reconcile.default${size}`, label: `reconciliation pass of the default batch (${DEFAULT_BATCH}) among ${label} unresolved`, unit: 'ms/pass', direction: 'lower' },
        ],
        async () => {
          let start = performance.now();
          const report = await sweep.pass();
          const sweepMs = performance.now() - start;
          if (report.examined !== size || report.errors.length > 0 || report.reenqueued.length > 0) {
            throw new Error(`reconcile: expected ${size} entries examined and nothing done, got ${JSON.stringify({ examined: report.examined, errors: report.errors.map(String), reenqueued: report.reenqueued.length })}`);
          }
          examined = report.examined;
          start = performance.now();
          await periodic.pass();
          return { [`reconcile.sweep${size}`]: sweepMs, [`reconcile.perInstance${size}`]: sweepMs / size, [`reconcile.default${size}`]: performance.now() - start };
        },
        { repetitions: ctx.sizes.heavyRepetitions },
      );
      result.measurements.push(...measured);
      const redis0 = await ctx.probe.cpuSeconds();
      const producer0 = process.cpuUsage();
      await sweep.pass();
      const producer = process.cpuUsage(producer0);
      const redisUs = ((await ctx.probe.cpuSeconds()) - redis0) * 1e6;
      const perEntry = { redis: Math.round(redisUs / examined), worker: Math.round((producer.user + producer.system) / examined) };
      (result.cpu ?? {})[`reconciliation, per entry examined (${label} unresolved)`] = { ...perEntry, producer: 0, total: perEntry.redis + perEntry.worker };
      ctx.log(`  ${label} unresolved: sweep ${format(measured[0].median)} ms, ${format(measured[1].median)} ms/instance, default pass ${format(measured[2].median)} ms; CPU per entry ${JSON.stringify(perEntry)} us`);
    }
    return result;
  } finally {
    jobRedis.disconnect();
    await closeTriggersContainer(container);
  }
}

/**
 * Waits (polling, with a deadline) until the server's clock has moved past
 * the millisecond it reads now: the pass lists entries scored strictly
 * before its own server time, and the last fires may share the millisecond
 * the pass starts in.
 */
async function serverClockPast(redis: Redis): Promise<void> {
  const serverMs = async (): Promise<number> => {
    const [seconds, micros] = await redis.time();
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  };
  const start = await serverMs();
  const deadline = Date.now() + 5_000;
  while ((await serverMs()) <= start) {
    if (Date.now() > deadline) throw new Error('reconcile: the server clock did not move within 5 s');
  }
}
