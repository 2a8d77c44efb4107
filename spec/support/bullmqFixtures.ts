import type { Container } from 'inversify';
import { expect } from 'chai';
import { BullMQTaskRunner, TriggerWorker, closeTriggersContainer, createTriggersContainer, getManager, runnerToken } from '../../src';
import type { JobCompletedEvent, JobFailedEvent, TriggerConfiguration, TriggerManager, TriggerWorkerOptions, TriggersContainerOptions } from '../../src';
import { MemoryLogSink } from '../../src/testing';
import { Gate } from './bullmqTasks';
import { connectionOf } from './redisContainers';
import { waitFor } from './waitFor';
import { sharedRedis, uniquePrefix } from './sharedRedis';

const open: Array<() => Promise<void>> = [];

/**
 * A production-style container (BullMQ runner) on the suite's private Redis
 * under a fresh prefix. Storage is memory unless `defaultStorage` says
 * otherwise, so producer and worker must share this container.
 */
export async function bullmqContainer(
  options: Partial<TriggersContainerOptions> = {},
): Promise<{ container: Container; prefix: string; runner: BullMQTaskRunner }> {
  const redis = await sharedRedis();
  const prefix = options.prefix ?? uniquePrefix('bmq');
  const container = createTriggersContainer({ defaultStorage: 'memory', logSink: new MemoryLogSink(), ...options, redis: redis.url, prefix });
  const runner = container.get<BullMQTaskRunner>(runnerToken('bullmq'));
  open.push(() => runner.close());
  return { container, prefix, runner };
}

/**
 * A started worker on `container`, closed by {@link closeBullmq}. `listen`
 * runs before it starts: a job already queued may complete before `start()`
 * resolves, so listeners for it must be attached there.
 */
export async function startWorker(container: Container, options: TriggerWorkerOptions = {}, listen?: (worker: TriggerWorker) => void): Promise<TriggerWorker> {
  const worker = new TriggerWorker(container, options);
  open.unshift(() => worker.close());
  listen?.(worker);
  await worker.start();
  return worker;
}

/** Closes every worker and runner the fixtures opened (call in `afterEach`). */
export async function closeBullmq(): Promise<void> {
  for (const close of open.splice(0)) await close();
}

/** Resolves with the worker's next `'completed'` event for `instance` (optionally of session `uid`). */
export function completedJob(worker: TriggerWorker, instance: string, uid?: string): Promise<JobCompletedEvent> {
  return new Promise((resolve) => {
    const listener = (event: JobCompletedEvent): void => {
      if (event.payload.instance !== instance || (uid !== undefined && event.payload.uid !== uid)) return;
      worker.off('completed', listener);
      resolve(event);
    };
    worker.on('completed', listener);
  });
}

/** Resolves with the worker's next `'failed'` event matching `predicate`. */
export function failedJob(worker: TriggerWorker, predicate: (event: JobFailedEvent) => boolean = () => true): Promise<JobFailedEvent> {
  return new Promise((resolve) => {
    const listener = (event: JobFailedEvent): void => {
      if (!predicate(event)) return;
      worker.off('failed', listener);
      resolve(event);
    };
    worker.on('failed', listener);
  });
}

let sessions = 0;

/** A manager on a fresh session of `container`, configured with `config`. */
export async function bullmqSession(container: Container, config: TriggerConfiguration, uid?: string): Promise<TriggerManager> {
  sessions += 1;
  const manager = getManager(container, uid ?? `bmq-session-${sessions}`);
  await manager.updateConfiguration(config);
  return manager;
}

/**
 * Makes the pipelined finish of `instance` (running, blocked on the
 * {@link Gate}) decline: another container takes the session's lock, as
 * another process would, opens the gate, and holds the lock until the
 * declining script dropped the job's BullMQ lock and `whileHeld` returned.
 */
export async function declineFinish(
  container: Container,
  prefix: string,
  uid: string,
  instance: string,
  whileHeld: () => Promise<void> = async () => undefined,
): Promise<void> {
  const redis = await sharedRedis();
  const other = createTriggersContainer({ redis: redis.url, prefix, logSink: new MemoryLogSink(), defaultStorage: 'redis' });
  const jobLock = `${prefix}:bull:triggers:${BullMQTaskRunner.jobIdFor(prefix, uid, instance)}:lock`;
  const client = connectionOf(container).redis;
  try {
    await getManager(other, uid).storage.withLock(async (tx) => {
      expect((await tx.instance(instance)).status).to.equal('running'); // the lock is now held in Redis
      expect(await client.exists(jobLock)).to.equal(1);
      Gate.open();
      await waitFor('the declined finish to drop the job lock', async () => (await client.exists(jobLock)) === 0);
      await whileHeld();
    });
  } finally {
    await closeTriggersContainer(other);
  }
}
