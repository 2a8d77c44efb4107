#!/usr/bin/env node
/**
 * The `triggers` command line. `triggers worker` consumes the BullMQ jobs the
 * `bullmq` runner adds, in as many processes as you like:
 *
 * ```sh
 * triggers worker --redis redis://127.0.0.1:6379 --prefix myapp --queue triggers,imports \
 *   --concurrency 4 --require ./dist/app/tasks.js
 * ```
 *
 * `--require` loads the application's own modules (resolved against the
 * current directory), whose decorators register its tasks, managers,
 * runners and storages; jobs can only run what is registered. A module may
 * export `configureTriggersContainer(container)` to bind the services its
 * tasks inject; the worker calls it once its container exists.
 */
import 'reflect-metadata';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Container } from 'inversify';
import { TriggerRegistry } from '../registry/TriggerRegistry';
import { createTriggersContainer } from '../container/createTriggersContainer';
import { CommandLineError } from '../errors';
import { TriggerWorker } from '../redis/worker/TriggerWorker';

/** Options of `triggers worker` as parsed. */
interface WorkerCommandOptions {
  redis?: string;
  prefix: string;
  queue: string[];
  concurrency: number;
  require: string[];
  lockDuration?: number;
  stalledInterval?: number;
  closeTimeout: number;
  operationTimeout?: number;
  quiet?: boolean;
}

function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new InvalidArgumentError('must be a positive integer');
  return parsed;
}

function collectList(value: string, previous: string[]): string[] {
  const items = value.split(',').map((item) => item.trim()).filter((item) => item.length > 0);
  if (items.length === 0) throw new InvalidArgumentError('must name at least one queue');
  return [...previous, ...items];
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/**
 * What a `--require` module may export: called with the worker's container
 * once it exists, to bind the services the app's tasks inject.
 */
type ConfigureHook = (container: Container) => void | Promise<void>;

/** Loads one `--require` module resolved against the current directory; returns its configure hook, if any. */
function loadModule(spec: string): ConfigureHook | undefined {
  let resolved: string;
  try {
    resolved = require.resolve(spec, { paths: [process.cwd()] });
  } catch {
    throw new CommandLineError({
      flag: '--require',
      value: spec,
      reason: `cannot find that module from ${process.cwd()} (build your app first, e.g. npm run build)`,
    });
  }
  let exports: unknown;
  try {
    exports = require(resolved);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CommandLineError({ flag: '--require', value: spec, reason: `loading ${resolved} failed: ${reason}` });
  }
  const hook = (exports as { configureTriggersContainer?: unknown } | null)?.configureTriggersContainer;
  return typeof hook === 'function' ? (hook as ConfigureHook) : undefined;
}

function log(quiet: boolean | undefined, line: string): void {
  if (!quiet) process.stdout.write(`${line}\n`);
}

async function runWorker(options: WorkerCommandOptions): Promise<void> {
  const redis = options.redis ?? process.env.REDIS_URL;
  if (redis === undefined || redis.length === 0) {
    throw new CommandLineError({
      flag: '--redis',
      reason: 'Missing --redis URL (or the REDIS_URL environment variable), e.g. --redis redis://127.0.0.1:6379',
    });
  }
  if (!/^rediss?:\/\//.test(redis)) throw new CommandLineError({ flag: '--redis', value: redis, reason: 'expected a redis:// or rediss:// URL' });
  const hooks = options.require.map(loadModule);
  const tasks = TriggerRegistry.global.names('task');

  const container = createTriggersContainer({ redis, prefix: options.prefix, operationTimeoutMs: options.operationTimeout });
  for (const hook of hooks) await hook?.(container);
  const worker = new TriggerWorker(container, {
    queues: options.queue.length > 0 ? options.queue : undefined,
    concurrency: options.concurrency,
    lockDurationMs: options.lockDuration,
    stalledIntervalMs: options.stalledInterval,
    closeTimeoutMs: options.closeTimeout,
  });
  worker.on('completed', (event) => log(options.quiet, `completed ${event.queue} ${JSON.stringify(event.payload.uid)} ${event.payload.instance}`));
  worker.on('failed', (event) => {
    const target = event.failedInstance ? ` instance ${JSON.stringify(event.failedInstance.uid)} ${event.failedInstance.instance} marked failed` : '';
    process.stderr.write(`job ${event.jobId ?? '?'} on ${event.queue} rejected: ${event.error.name}: ${event.error.message}${target}\n`);
  });
  worker.on('error', (error) => process.stderr.write(`worker error: ${error.message}\n`));

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
  if (tasks.length === 0) process.stderr.write('warning: no trigger tasks are registered; pass your app module with --require\n');
  log(
    options.quiet,
    `ready pid=${process.pid} prefix=${options.prefix} queues=${worker.queues.join(',')} concurrency=${options.concurrency} tasks=${tasks.join(',')}`,
  );
}

/** Builds the `triggers` program (exported for tests and embedding). */
export function buildProgram(): Command {
  const program = new Command('triggers').description('Triggers: run tasks once a set of events has happened.');
  program
    .command('worker')
    .description('Consume Triggers task jobs from BullMQ queues and run them (graceful stop on SIGINT/SIGTERM).')
    .option('--redis <url>', 'Redis URL (default: $REDIS_URL)')
    .option('--prefix <prefix>', 'key and queue prefix, as given to createTriggersContainer', 'triggers')
    .addOption(new Option('--queue <names>', 'queue to consume; repeat or comma-separate').default([], 'triggers').argParser(collectList))
    .option('--concurrency <n>', 'jobs run in parallel per queue', positiveInteger, 1)
    .addOption(
      new Option('--require <module>', 'app module registering tasks by decorator (resolved from the current directory); repeatable; may export configureTriggersContainer(container)')
        .default([], 'none')
        .argParser(collect),
    )
    .option('--lock-duration <ms>', 'job lock duration; a dead worker\'s job is re-delivered after it (default 30000)', positiveInteger)
    .option('--stalled-interval <ms>', 'interval of the stalled-job check (default 30000)', positiveInteger)
    .option('--close-timeout <ms>', 'longest wait for in-flight tasks and connections on SIGINT/SIGTERM before closing forcibly', positiveInteger, 10_000)
    .option('--operation-timeout <ms>', 'longest wait of one Redis round trip before StorageUnavailableError (default 10000)', positiveInteger)
    .option('--quiet', 'print only errors')
    .action(async (options: WorkerCommandOptions) => runWorker(options));
  return program;
}

if (require.main === module) {
  buildProgram()
    .parseAsync(process.argv)
    .catch((error: unknown) => {
      process.stderr.write(`triggers: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    });
}
