import 'reflect-metadata';
import { TriggerWorker, closeTriggersContainer, createTriggersContainer } from '../../src';
import type { RedisNode } from '../../src';
import '../tasks';
import { announceReady, argValue } from './workerIpc';

/**
 * The Triggers side's worker process: a {@link TriggerWorker} (what
 * `triggers worker` runs) over the benchmark's Redis and prefix, with the
 * benchmark tasks registered.
 *
 * `node triggersWorker.js --redis URL --prefix P --concurrency N [--cluster NODES_JSON]`
 */
async function main(): Promise<void> {
  const url = argValue('redis');
  process.env.BENCH_REDIS_URL = url;
  // With --cluster (nodes JSON), the container goes to that Redis Cluster; --redis stays the benchmark's signal server.
  const cluster = argValue('cluster', '');
  const redis = cluster === '' ? url : { cluster: JSON.parse(cluster) as RedisNode[] };
  const container = createTriggersContainer({ redis, prefix: argValue('prefix') });
  const worker = new TriggerWorker(container, { concurrency: Number(argValue('concurrency', '1')) });
  worker.on('failed', (event) => process.stderr.write(`triggers worker: job failed: ${event.error.message}\n`));
  await worker.start();
  announceReady();
  const stop = async () => {
    await worker.close();
    await closeTriggersContainer(container);
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

main().catch((error: unknown) => {
  process.stderr.write(`triggers worker failed: ${String(error)}\n`);
  process.exit(1);
});
