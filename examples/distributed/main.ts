/**
 * `npm run demo:distributed`: the questionnaire workflow over Redis, with
 * this process as the producer (the "web app" firing triggers) and two
 * `triggers worker` processes running the tasks.
 *
 * Uses `REDIS_URL` when set (under a fresh key prefix, nothing else is
 * touched); otherwise starts a private `redis-server` on a free port. With
 * `--cluster` (`npm run demo:distributed -- --cluster`) it starts a private
 * Redis Cluster of 3 masters instead and runs the same workload on it (the
 * workers get `--redis-cluster`). Prints a timeline, exits 0 when both
 * sessions end finalized, and stops every process it started.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BullMQTaskRunner, TRIGGERS, TaskStatus, closeTriggersContainer, createTriggersContainer, getManager, runnerToken } from 'triggers-ts';
import type { Kwargs, TriggerManager } from 'triggers-ts';
import { RedisClusterProcess, RedisServerProcess } from 'triggers-ts/testing';
import type { RedisConnectionOption } from 'triggers-ts';
import type { Container } from 'inversify';
import { SESSION_FINALIZED, questionnaireConfiguration } from '../questionnaire/configuration';
import { Timeline } from '../questionnaire/Timeline';
import '../questionnaire/TimelineManager';
import { DEMO_ENV } from './workerSetup';

const ROOT = join(__dirname, '..', '..', '..');
const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const SETTLE_TIMEOUT_MS = 30_000;

/** One `triggers worker` child process and the jobs it reported. */
interface WorkerProcess {
  name: string;
  child: ChildProcess;
  completed: string[];
  output: string;
  exited: Promise<number | string>;
}

function startWorker(name: string, connectionFlags: string[], prefix: string, env: NodeJS.ProcessEnv): Promise<WorkerProcess> {
  const child = spawn(
    process.execPath,
    [CLI, 'worker', ...connectionFlags, '--prefix', prefix, '--concurrency', '2', '--require', './dist/examples/distributed/workerSetup.js'],
    { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const worker: WorkerProcess = {
    name,
    child,
    completed: [],
    output: '',
    exited: new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1))),
  };
  return new Promise((resolve, reject) => {
    let buffered = '';
    const onData = (chunk: Buffer): void => {
      worker.output += chunk.toString();
      buffered += chunk.toString();
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (line.startsWith('ready ')) resolve(worker);
        const done = /^completed \S+ (".*") (\S+) \S+ \d+ms$/.exec(line);
        if (done) worker.completed.push(`${done[2]} (${JSON.parse(done[1]) as string})`);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (worker.output += chunk.toString()));
    void worker.exited.then((code) => reject(new Error(`${name} exited (${code}) before it was ready:\n${worker.output}`)));
  });
}

/**
 * Waits until no job is queued, delayed or running, every job BullMQ
 * completed or failed was reported `completed` by a worker, and no instance of the
 * sessions is scheduled or running. The reports matter: a worker records a
 * job's outcome in the same round trip as BullMQ's completion, and runs the
 * rest of the outcome handling (`postFire`, which may fire
 * `sessionFinalized`) just after; its `completed` event comes once that is
 * done, while BullMQ's counts already say the job is complete.
 */
async function settle(container: Container, managers: TriggerManager[], workers: WorkerProcess[]): Promise<void> {
  // One queue on a single server; one per shard on a cluster.
  const queues = container.get<BullMQTaskRunner>(runnerToken('bullmq')).queuesNamed('triggers');
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  for (;;) {
    // A failed instance's job is failed in BullMQ, and reported `completed` (with its outcome) by its worker too.
    const perQueue = await Promise.all(queues.map((queue) => queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed')));
    const { completed = 0, failed = 0, ...counts } = perQueue.reduce<Record<string, number>>((sum, one) => {
      for (const [state, count] of Object.entries(one)) sum[state] = (sum[state] ?? 0) + count;
      return sum;
    }, {});
    const reported = workers.reduce((sum, worker) => sum + worker.completed.length, 0);
    if (Object.values(counts).every((count) => count === 0) && reported >= completed + failed) {
      let busy = false;
      for (const manager of managers) {
        busy ||= (await manager.storage.getInstances()).some((i) => i.status === TaskStatus.Scheduled || i.status === TaskStatus.Running);
      }
      if (!busy) return;
    }
    if (Date.now() > deadline) {
      const output = workers.map((worker) => `--- ${worker.name}:\n${worker.output}`).join('\n');
      throw new Error(`The workers did not settle within ${SETTLE_TIMEOUT_MS} ms (jobs ${JSON.stringify({ ...counts, completed, failed })}, reported ${reported})\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function main(): Promise<void> {
  const cluster = process.argv.includes('--cluster') ? await RedisClusterProcess.start({ masters: 3 }) : undefined;
  const ownRedis = cluster !== undefined || process.env.REDIS_URL ? undefined : await RedisServerProcess.start();
  const redisUrl = process.env.REDIS_URL ?? ownRedis?.url ?? '';
  const clusterNodes = cluster?.nodes.map(({ host, port }) => `${host}:${port}`).join(',');
  const redis: RedisConnectionOption = cluster === undefined ? redisUrl : { cluster: cluster.nodes };
  const connectionFlags = clusterNodes === undefined ? ['--redis', redisUrl] : ['--redis-cluster', clusterNodes];
  const prefix = `demo-${process.pid}-${Date.now()}`;
  const scratch = mkdtempSync(join(tmpdir(), 'triggers-demo-'));
  const mailDown = join(scratch, 'mail-down');
  const outbox = join(scratch, 'outbox.jsonl');
  const workers: WorkerProcess[] = [];
  const container = createTriggersContainer({ redis, prefix });
  const timeline = new Timeline();
  container.bind(Timeline).toConstantValue(timeline);
  container.rebind(TRIGGERS.LogSink).toConstantValue(timeline);

  try {
    console.log('Triggers demo, distributed: this process fires triggers; two `triggers worker` processes run the tasks.');
    const where = clusterNodes !== undefined ? `a private Redis Cluster of 3 masters at ${clusterNodes} (16 shards)` : ownRedis ? `a private redis-server at ${redisUrl}` : redisUrl;
    console.log(`Redis: ${where} (key prefix "${prefix}").`);
    console.log('Legend: "fire" = this process fired a trigger; "settled" = what the workers did meanwhile, rebuilt');
    console.log('from storage ("+" = a new instance, arrows = the statuses it went through); times are since the start.');
    const env = { [DEMO_ENV.mailDownFlag]: mailDown, [DEMO_ENV.outbox]: outbox };
    workers.push(...(await Promise.all([startWorker('worker-1', connectionFlags, prefix, env), startWorker('worker-2', connectionFlags, prefix, env)])));
    await timeline.note(`Workers ready: ${workers.map((w) => `${w.name} (pid ${w.child.pid})`).join(', ')}.`);

    const web = getManager(container, 'web-001', { manager: 'timeline' });
    const app = getManager(container, 'app-002', { manager: 'timeline' });
    const fire = async (manager: TriggerManager, ...triggers: Array<[string, Kwargs?]>): Promise<void> => {
      for (const [trigger, kwargs] of triggers) await manager.fire(trigger, kwargs);
      await settle(container, [manager], workers);
      await timeline.observe(manager, 'settled (workers idle)');
    };

    await timeline.heading('Configuration (the same in both sessions)');
    await web.updateConfiguration(questionnaireConfiguration);
    await app.updateConfiguration(questionnaireConfiguration);
    await timeline.note(`Tasks: ${Object.keys(questionnaireConfiguration).join(', ')} (see examples/questionnaire/configuration.ts).`);

    await timeline.heading('Session web-001: a participant answers in a browser');
    await timeline.note('The mail server is down at the moment (for every worker).');
    writeFileSync(mailDown, 'down');
    await fire(
      web,
      ['firstPageReceived', { subjectId: 'S-1001', email: 'ada@example.org' }],
      ['pageReceived', { page: 1, answers: { q1: 3, q2: 1 }, userAgent: 'Firefox/128.0' }],
    );
    await fire(web, ['pageReceived', { page: 2, answers: { q3: 4 }, userAgent: 'Firefox/128.0' }]);
    await timeline.note('Last page submitted: questionnaireComplete. Now the imports can run, on either worker.');
    await fire(web, ['questionnaireComplete', { pages: 2 }]);

    await timeline.heading('Session app-002: a participant answers in the embedded app');
    await timeline.note('The mail server is back up.');
    rmSync(mailDown, { force: true });
    await fire(app, ['isEmbeddedApp', {}]);
    await fire(
      app,
      ['firstPageReceived', { subjectId: 'S-1002', email: 'bob@example.org' }],
      ['pageReceived', { page: 1, answers: { q1: 2, q2: 2, q3: 5 } }],
    );
    await fire(app, ['questionnaireComplete', { pages: 1 }]);

    await timeline.heading('Operator: recover the failure in web-001');
    for (const instance of (await web.storage.getUnresolvedInstances()).filter((i) => i.canReplay)) {
      await timeline.note(`${instance.name} is ${instance.status} (${String(instance.metadata.exceptionType)}); replay it.`);
      await web.replayFailedInstance(instance);
    }
    await settle(container, [web], workers);
    await timeline.observe(web, 'settled (workers idle)');

    await timeline.heading('Summary');
    let ok = true;
    for (const manager of [web, app]) {
      await timeline.summary(manager);
      const finalized = SESSION_FINALIZED in (await manager.storage.getLatestKwargs());
      const unresolved = await manager.storage.getUnresolvedInstances();
      ok &&= finalized && unresolved.length === 0;
      await timeline.note(finalized ? `${manager.storage.uid} finalized.` : `${manager.storage.uid} NOT finalized.`);
    }
    const mails = readFileSync(outbox, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as { template: string; to: string });
    await timeline.note(`Mail outbox (shared by the workers): ${mails.map((mail) => `${mail.template} to ${mail.to}`).join(', ')}.`);
    for (const worker of workers) await timeline.note(`${worker.name} ran ${worker.completed.length} job(s): ${worker.completed.join(', ')}.`);
    await timeline.flush();
    if (!ok) throw new Error('A session did not end finalized with every instance resolved');
  } finally {
    for (const worker of workers) worker.child.kill('SIGTERM');
    const codes = await Promise.all(workers.map((worker) => worker.exited));
    if (codes.some((code) => code !== 0)) console.error(`Worker exit codes: ${codes.join(', ')}`);
    if (workers.length > 0) console.log(`\nWorkers stopped gracefully (SIGTERM): exit codes ${codes.join(', ')}.`);
    await closeTriggersContainer(container);
    await ownRedis?.stop();
    await cluster?.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
