import { Queue, Worker } from 'bullmq';
import type { Job } from 'bullmq';
import { Redis } from 'ioredis';
import { DoneCounter } from '../support/DoneCounter';
import { announceReady, argValue } from './workerIpc';

/**
 * The baselines' worker process, written the way a user of plain BullMQ
 * would: one `Worker` whose handler adds the next job of a chain itself.
 *
 * Job data `{ step, steps, run, expected }`: the handler adds step + 1 to the
 * same queue until `steps` is reached; the last step counts one completion
 * for run `run` (see {@link DoneCounter}). `steps: 1` makes a plain job (the
 * hand-rolled join's task).
 *
 * `node rawBullmqWorker.js --redis URL --queue Q --concurrency N`
 */
interface ChainJob {
  step: number;
  steps: number;
  run: string;
  expected: number;
  session?: string;
}

async function main(): Promise<void> {
  const url = argValue('redis');
  const queueName = argValue('queue');
  const concurrency = Number(argValue('concurrency', '1'));
  const connection = new Redis(url, { maxRetriesPerRequest: null });
  const queue = new Queue<ChainJob>(queueName, { connection });
  const done = new DoneCounter(new Redis(url));
  const worker = new Worker<ChainJob>(
    queueName,
    async (job: Job<ChainJob>) => {
      const data = job.data;
      if (data.step + 1 < data.steps) {
        await queue.add('step', { ...data, step: data.step + 1 }, { removeOnComplete: true });
      } else {
        await done.count(data.run, data.expected);
      }
    },
    { connection: new Redis(url, { maxRetriesPerRequest: null }), concurrency, removeOnComplete: { count: 0 } },
  );
  await worker.waitUntilReady();
  announceReady();
  const stop = async () => {
    await worker.close();
    await queue.close();
    await done.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

main().catch((error: unknown) => {
  process.stderr.write(`raw worker failed: ${String(error)}\n`);
  process.exit(1);
});
