import { InvalidArgumentError, Option } from 'commander';
import type { Command } from 'commander';
import type { Container } from 'inversify';
import { createTriggersContainer } from '../../container/createTriggersContainer';
import { ConsoleLogSink } from '../../logging/ConsoleLogSink';
import { LogLevel } from '../../model';
import { DEFAULT_QUEUE } from '../../redis/bullmq/BullMQRunnerOptions';
import type { BullMQRunnerOptions } from '../../redis/bullmq/BullMQRunnerOptions';
import { TriggerWorker } from '../../redis/worker/TriggerWorker';
import { TriggerRegistry } from '../../registry/TriggerRegistry';
import { TRIGGERS } from '../../registry/tokens';
import type { ResolvedTaskOptions } from '../../registry/TaskOptions';
import { AppModules } from '../AppModules';
import { StorageConnection } from '../StorageConnection';
import type { ConnectionOptions } from '../StorageConnection';

/** Options of `triggers worker` as parsed. */
interface WorkerCommandOptions extends ConnectionOptions {
  queue: string[];
  concurrency: number;
  require: string[];
  lockDuration?: number;
  stalledInterval?: number;
  closeTimeout: number;
  heartbeatInterval?: number;
  heartbeatTimeout?: number;
  reconcileInterval?: number;
  reconcileGrace?: number;
  logLevel?: LogLevel;
  quiet?: boolean;
}

function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new InvalidArgumentError('must be a positive integer');
  return parsed;
}

function nonNegativeInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new InvalidArgumentError('must be a non-negative integer');
  return parsed;
}

function collectList(value: string, previous: string[]): string[] {
  const items = value.split(',').map((item) => item.trim()).filter((item) => item.length > 0);
  if (items.length === 0) throw new InvalidArgumentError('must name at least one queue');
  return [...previous, ...items];
}

function log(quiet: boolean | undefined, line: string): void {
  if (!quiet) process.stdout.write(`${line}\n`);
}

/**
 * The line a worker error is printed as. BullMQ losing a job's lock (it
 * expired during an outage, or a failover lost it) is expected then, and
 * harmless: the line says so.
 */
export function workerErrorLine(error: Error): string {
  const lostLock = /^(Missing lock|Lock mismatch) for job|could not renew lock/i.test(error.message);
  const meaning = lostLock ? ' (the job lost its BullMQ lock in an outage or a failover: its outcome is recorded, and its re-delivery runs nothing)' : '';
  return `worker error: ${error.message}${meaning}`;
}

/**
 * The queues registered task classes route to that this worker does not
 * consume, with the tasks routed there: a class's `@TriggerTask({ queue })`,
 * else the default queue. Classes whose own `using` names another runner
 * are left out (they never reach a queue). Per-session `queue` directives
 * and queue routers cannot be known here.
 */
export function unconsumedQueues(container: Container, consumed: readonly string[]): Map<string, string[]> {
  const options = container.isBound(TRIGGERS.BullMQOptions) ? container.get<BullMQRunnerOptions>(TRIGGERS.BullMQOptions) : undefined;
  const defaultQueue = options?.defaultQueue ?? DEFAULT_QUEUE;
  const missing = new Map<string, string[]>();
  for (const registration of TriggerRegistry.global.all('task')) {
    const task = registration.options as ResolvedTaskOptions;
    if (task.using !== undefined && task.using !== 'bullmq') continue;
    const queue = task.queue ?? defaultQueue;
    if (!consumed.includes(queue)) missing.set(queue, [...(missing.get(queue) ?? []), registration.name]);
  }
  return missing;
}

async function runWorker(options: WorkerCommandOptions): Promise<void> {
  const containerOptions = StorageConnection.containerOptions(options);
  const modules = AppModules.load(options.require);
  const tasks = TriggerRegistry.global.names('task');

  const container = createTriggersContainer({
    ...containerOptions,
    logSink: options.logLevel === undefined ? undefined : new ConsoleLogSink(options.logLevel),
  });
  await modules.configure(container);
  const worker = new TriggerWorker(container, {
    queues: options.queue.length > 0 ? options.queue : undefined,
    concurrency: options.concurrency,
    lockDurationMs: options.lockDuration,
    stalledIntervalMs: options.stalledInterval,
    closeTimeoutMs: options.closeTimeout,
    heartbeatIntervalMs: options.heartbeatInterval,
    heartbeatTimeoutMs: options.heartbeatTimeout,
    reconcileIntervalMs: options.reconcileInterval,
    reconcileGraceMs: options.reconcileGrace,
  });
  worker.on('completed', (event) =>
    log(
      options.quiet,
      `completed ${event.queue} ${JSON.stringify(event.payload.uid)} ${event.payload.instance} ${event.outcome ?? 'not-run'} ${event.durationMs}ms`,
    ),
  );
  worker.on('failed', (event) => {
    const target = event.failedInstance ? ` instance ${JSON.stringify(event.failedInstance.uid)} ${event.failedInstance.instance} marked failed` : '';
    process.stderr.write(`job ${event.jobId ?? '?'} on ${event.queue} rejected: ${event.error.name}: ${event.error.message}${target}\n`);
  });
  worker.on('error', (error) => process.stderr.write(`${workerErrorLine(error)}\n`));

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) {
      process.stderr.write(`${signal} again: exiting without waiting for in-flight tasks\n`);
      process.exit(130);
    }
    stopping = true;
    log(options.quiet, `${signal}: finishing in-flight tasks, then exiting`);
    worker.close().then(
      () => {
        log(options.quiet, worker.forcedClose ? `stopped after --close-timeout ${options.closeTimeout} ms: connections closed forcibly` : 'stopped');
        process.exit(0);
      },
      (error: unknown) => {
        process.stderr.write(`error while stopping: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);

  await worker.start();
  if (stopping) return;
  if (tasks.length === 0) process.stderr.write('warning: no trigger tasks are registered; pass your app module with --require (or list it in package.json "triggers.modules")\n');
  const missing = unconsumedQueues(container, worker.queues);
  if (missing.size > 0) {
    const list = [...missing].map(([queue, names]) => `${queue} (${names.join(', ')})`).join('; ');
    process.stderr.write(
      `warning: registered tasks route to queues this worker does not consume: ${list}; run a worker for them (--queue), ` +
        'unless a configuration "queue" directive or a queue router sends them elsewhere\n',
    );
  }
  log(
    options.quiet,
    `ready pid=${process.pid} id=${worker.workerId ?? ''} prefix=${options.prefix} queues=${worker.queues.join(',')} concurrency=${options.concurrency} tasks=${tasks.join(',')}`,
  );
  // The command lasts as long as the worker: only a signal ends it (shutdown exits).
  await new Promise<never>(() => undefined);
}

/** `triggers worker`: consumes the BullMQ jobs the `bullmq` runner adds and runs their tasks. */
export function registerWorker(program: Command): void {
  const command = program
    .command('worker')
    .description('Consume Triggers task jobs from BullMQ queues and run them (graceful stop on SIGINT/SIGTERM).');
  StorageConnection.addOptions(command);
  command
    .addOption(new Option('--queue <names>', 'queue to consume; repeat or comma-separate').default([], 'triggers').argParser(collectList))
    .option('--concurrency <n>', 'jobs run in parallel per queue', positiveInteger, 1);
  AppModules.addOption(command);
  command
    .option('--lock-duration <ms>', "job lock duration; a dead worker's job is re-delivered after it (default 30000)", positiveInteger)
    .option('--stalled-interval <ms>', 'interval of the stalled-job check (default 30000)', positiveInteger)
    .option('--close-timeout <ms>', 'longest wait for in-flight tasks and connections on SIGINT/SIGTERM before closing forcibly', positiveInteger, 10_000)
    .option('--heartbeat-interval <ms>', "interval of this worker's heartbeat (default 5000)", positiveInteger)
    .option('--heartbeat-timeout <ms>', 'silence after which a worker counts as dead (default 3 heartbeat intervals)', positiveInteger)
    .option('--reconcile-interval <ms>', 'interval of the reconciliation pass; 0 turns it off (default 60000)', nonNegativeInteger)
    .option('--reconcile-grace <ms>', 'age an instance must reach before reconciliation looks at it (default 30000)', nonNegativeInteger)
    .addOption(
      new Option('--log-level <level>', 'threshold of the task log lines written to stderr (default: $TRIGGERS_LOG_LEVEL, else warn)').choices(
        Object.values(LogLevel),
      ),
    )
    .option('--quiet', 'print only errors')
    .action(async (options: WorkerCommandOptions) => runWorker(options));
}
