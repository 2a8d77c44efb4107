import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { Container } from 'inversify';
import { TaskStatus, closeTriggersContainer, createTriggersContainer, getManager } from '../../src';
import type { TriggerManager, WhyReport } from '../../src';
import { ThreadingTaskRunner } from '../../src/testing';
import { REPO_ROOT, killChildren, spawnNode } from '../support/childProcesses';
import { sharedRedis, uniquePrefix } from '../support/sharedRedis';
import { untilClockPasses } from '../support/waitFor';

const CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');

interface Run {
  code: number | string;
  stdout: string;
  output: string;
}

describe('triggers CLI on a stored session: inspect, why, replay, skip, fire, graph --uid', () => {
  let redisUrl: string;
  let prefix: string;
  let container: Container;
  let manager: TriggerManager;
  const uid = 'cli-session';

  const cli = async (...args: string[]): Promise<Run> => {
    const child = spawnNode([CLI, ...args, '--redis', redisUrl, '--prefix', prefix]);
    const code = await child.exited;
    return { code, stdout: child.stdout(), output: child.output() };
  };

  beforeEach(async () => {
    redisUrl = (await sharedRedis()).url;
    prefix = uniquePrefix('cli');
    // Tasks run in this process (threading), the session lives in Redis, so the
    // CLI processes see it; t_a fails, so there is something to replay and skip.
    container = createTriggersContainer({ redis: redisUrl, prefix, defaultRunner: 'threading' });
    manager = getManager(container, uid);
    await manager.updateConfiguration({
      t_a: { after: ['go'], run: 'FailingTask' },
      t_b: { after: ['t_a', 'gate'], unless: ['u1', 'u2'], run: 'PassThruTask', queue: 'reports' },
      t_c: { after: ['go'], run: 'PassThruTask' },
    });
    await manager.fire('u1');
    await manager.fire('go', { n: 1 });
    await ThreadingTaskRunner.joinAll();
    // Configured after the fires: no instance yet.
    await manager.updateConfiguration({ t_d: { after: ['go', 'later'], unless: ['u1', 'u9'], run: 'PassThruTask', queue: 'reports' } });
  });

  afterEach(async () => {
    await killChildren();
    await closeTriggersContainer(container);
  });

  it('sessions lists the prefix\'s sessions by last activity, paged, and failed lists failed instances with their error', async () => {
    // Sessions are ordered by last activity in milliseconds; the order within one is unspecified.
    await untilClockPasses(Date.now());
    const other = getManager(container, 'cli-other');
    await other.updateConfiguration({ t_x: { after: ['go'], run: 'PassThruTask' } });
    await other.fire('go');
    await ThreadingTaskRunner.joinAll();
    const sessions = await cli('sessions', '--json');
    expect(sessions.code, sessions.output).to.equal(0);
    expect((JSON.parse(sessions.stdout) as { sessions: Array<{ uid: string }> }).sessions.map((entry) => entry.uid)).to.deep.equal([uid, 'cli-other']);
    const paged = await cli('sessions', '--limit', '1');
    expect(paged.stdout).to.match(/^cli-session\s+\d{4}-\d\d-\d\dT\S+Z$/m);
    const cursor = /^more: --cursor (\S+)$/m.exec(paged.stdout)?.[1];
    expect(cursor, paged.stdout).to.be.a('string');
    const next = await cli('sessions', '--limit', '1', '--cursor', cursor as string, '--json');
    expect((JSON.parse(next.stdout) as { sessions: Array<{ uid: string }> }).sessions.map((entry) => entry.uid)).to.deep.equal(['cli-other']);
    const recent = await cli('sessions', '--since', '10m', '--json');
    expect((JSON.parse(recent.stdout) as { sessions: unknown[] }).sessions).to.have.length(2);
    const none = await cli('sessions', '--since', '2999-01-01T00:00:00Z', '--json');
    expect((JSON.parse(none.stdout) as { sessions: unknown[] }).sessions).to.deep.equal([]);

    const failed = await cli('failed', '--since', '1h');
    expect(failed.code, failed.output).to.equal(0);
    expect(failed.stdout).to.match(/^cli-session\s+t_a#0\s+\d{4}-\d\d-\d\dT\S+Z\s+DeliberateFailure/m);
    const json = JSON.parse((await cli('failed', '--json')).stdout) as { failed: Array<{ uid: string; instance: string; exceptionType: string }> };
    expect(json.failed.map((entry) => `${entry.uid} ${entry.instance} ${entry.exceptionType}`)).to.deep.equal([`${uid} t_a#0 DeliberateFailure`]);

    const counts = await cli('counts');
    expect(counts.code, counts.output).to.equal(0);
    expect(counts.stdout).to.match(/^TASK\s+FAILED\s+FINISHED\s+UNSTARTED$/m);
    expect(counts.stdout).to.match(/^t_a\s+1\s+0\s+0$/m);
    expect(counts.stdout).to.match(/^t_b\s+0\s+0\s+1$/m);
    expect(counts.stdout).to.match(/^t_x\s+0\s+1\s+0$/m);
    expect(counts.stdout).to.match(/^\(total\)\s+1\s+2\s+1$/m);
    const countsJson = JSON.parse((await cli('counts', '--json')).stdout) as unknown;
    expect(countsJson).to.deep.equal({
      tasks: [
        { task: 't_a', counts: { failed: 1 } },
        { task: 't_b', counts: { unstarted: 1 } },
        { task: 't_c', counts: { finished: 1 } },
        { task: 't_x', counts: { finished: 1 } },
      ],
      total: { failed: 1, finished: 2, unstarted: 1 },
    });
    const bad = await cli('failed', '--since', 'yesterday');
    expect(bad.code).to.equal(1);
    expect(bad.output).to.contain("option '--since <time>' argument 'yesterday' is invalid");
  });

  it('inspect prints tables of tasks, instances and latest kwargs', async () => {
    const result = await cli('inspect', uid);
    expect(result.code).to.equal(0);
    expect(result.stdout).to.match(/^t_a\s+FailingTask\s+go\s+-\s+-\s+bullmq\s+1$/m);
    expect(result.stdout).to.match(/^t_b\s+PassThruTask\s+t_a, gate\s+-\s+u1, u2\s+bullmq\s+1$/m);
    expect(result.stdout).to.match(/^t_d\s+PassThruTask\s+go, later\s+-\s+u1, u9\s+bullmq\s+0$/m);
    expect(result.stdout).to.match(/^t_a#0\s+failed\s+\d{4}-\d\d-\d\dT\S+Z\s+\S+Z\s+0\s+-\s+-$/m);
    expect(result.stdout).to.match(/^t_b#0\s+unstarted\s/m);
    expect(result.stdout).to.match(/^t_c#0\s+finished\s/m);
    expect(result.stdout).to.match(/^go\s+\{"n":1\}$/m);
  });

  it('inspect --json gives instances with status, timestamps and depth, and the latest kwargs', async () => {
    const result = await cli('inspect', uid, '--json');
    expect(result.code).to.equal(0);
    const data = JSON.parse(result.stdout) as {
      tasks: Record<string, { run: string }>;
      instances: Array<{ name: string; status: string; depth: number; since: string; timestamps: Record<string, string> }>;
      latestKwargs: Record<string, unknown>;
    };
    expect(Object.keys(data.tasks).sort()).to.deep.equal(['t_a', 't_b', 't_c', 't_d']);
    expect(data.instances.map((instance) => [instance.name, instance.status, instance.depth])).to.deep.equal([
      ['t_a#0', 'failed', 0],
      ['t_b#0', 'unstarted', 0],
      ['t_c#0', 'finished', 0],
    ]);
    expect(data.instances[0].since).to.equal(data.instances[0].timestamps.failed);
    expect(data.latestKwargs).to.deep.include({ u1: {}, go: { n: 1 } });
    expect(Object.keys(data.latestKwargs).sort()).to.deep.equal(['go', 't_c', 'u1']); // t_c: its cascade
  });

  it('why explains a failed instance with the replay command, as text and JSON', async () => {
    const text = await cli('why', uid, 't_a#0');
    expect(text.code).to.equal(0);
    expect(text.stdout).to.contain('status     failed since').and.to.contain('DeliberateFailure');
    expect(text.stdout).to.contain(`triggers replay ${uid} t_a#0`);
    const json = await cli('why', uid, 't_a#0', '--json');
    const report = JSON.parse(json.stdout) as WhyReport;
    expect(report.status).to.equal('failed');
    expect(report.routing).to.deep.equal({ runner: 'bullmq', runnerKnown: true, queue: 'triggers' });
    expect(report.advice.map((advice) => advice.action)).to.deep.equal(['replay', 'skip']);
  });

  it('why explains a task with no instance: missing after triggers, partly satisfied unless, its queue', async () => {
    const result = await cli('why', uid, 't_d', '--json');
    expect(result.code).to.equal(0);
    const report = JSON.parse(result.stdout) as WhyReport;
    expect(report.status).to.equal('none');
    expect(report.missing).to.deep.equal(['later']);
    expect(report.unless).to.deep.equal({ state: 'partial', fired: ['u1'], missing: ['u9'] });
    expect(report.routing.queue).to.equal('reports');
  });

  it('why exits 1 with UnknownInstanceError for an unknown instance', async () => {
    const result = await cli('why', uid, 't_a#5');
    expect(result.code).to.equal(1);
    expect(result.output).to.contain(`UnknownInstanceError: Session "${uid}" has no task instance named "t_a#5"`);
  });

  it('replay schedules a clone (depth 1), and refuses to replay the replayed instance again (exit 1)', async () => {
    const result = await cli('replay', uid, 't_a#0');
    expect(result.code).to.equal(0);
    expect(result.stdout).to.contain('replayed t_a#0 as t_a#1 (scheduled, depth 1, runner bullmq)');
    expect((await manager.storage.getInstance('t_a#0')).status).to.equal(TaskStatus.Replayed);
    const clone = await manager.storage.getInstance('t_a#1');
    expect([clone.status, clone.depth, clone.kwargs]).to.deep.equal([TaskStatus.Scheduled, 1, { go: { n: 1 } }]);
    const again = await cli('replay', uid, 't_a#0');
    expect(again.code).to.equal(1);
    expect(again.output).to.contain('InvalidInstanceStateError: Instance "t_a#0" in replayed state cannot be replayed');
  });

  it('replay --kwargs replaces the kwargs; text that is not JSON is refused naming the option and the parse problem', async () => {
    const bad = await cli('replay', uid, 't_a#0', '--kwargs', '{go:1}');
    expect(bad.code).to.equal(1);
    expect(bad.output).to.contain("option '--kwargs <json>' argument '{go:1}' is invalid. not JSON: ");
    expect((await manager.storage.getInstance('t_a#0')).status).to.equal(TaskStatus.Failed);
    const result = await cli('replay', uid, 't_a#0', '--kwargs', '{"go":{"n":2}}', '--json');
    expect(result.code).to.equal(0);
    expect(JSON.parse(result.stdout)).to.deep.include({ replayed: 't_a#0', clone: { name: 't_a#1', status: 'scheduled', depth: 1 } });
    expect((await manager.storage.getInstance('t_a#1')).kwargs).to.deep.equal({ go: { n: 2 } });
  });

  it('skip --cascade --result fires the task name with the result, so dependents receive it', async () => {
    const result = await cli('skip', uid, 't_a#0', '--cascade', '--result', '{"v":7}');
    expect(result.code).to.equal(0);
    expect(result.stdout).to.contain('skipped t_a#0 (fired t_a with {"v":7})');
    expect((await manager.storage.getInstance('t_a#0')).status).to.equal(TaskStatus.Skipped);
    const dependent = await manager.storage.getInstance('t_b#0');
    expect([dependent.status, dependent.kwargs]).to.deep.equal([TaskStatus.Unstarted, { t_a: { v: 7 } }]);
  });

  it('skip of an instance that did not fail exits 1', async () => {
    const result = await cli('skip', uid, 't_c#0');
    expect(result.code).to.equal(1);
    expect(result.output).to.contain('Instance "t_c#0" in finished state cannot be skipped');
  });

  it('fire --kwargs fires into the session and lists the instances it changed', async () => {
    await manager.skipFailedInstance('t_a#0', { cascade: true });
    const result = await cli('fire', uid, 'u2', '--json');
    expect(result.code).to.equal(0);
    expect(JSON.parse(result.stdout)).to.deep.equal({ uid, trigger: 'u2', kwargs: {}, changed: [{ name: 't_b#0', status: 'abandoned' }] });
    const withKwargs = await cli('fire', uid, 'gate', '--kwargs', '{"open":true}');
    expect(withKwargs.code).to.equal(0);
    expect(withKwargs.stdout).to.contain('fired gate {"open":true}').and.to.contain('no instance created or changed');
    expect((await manager.storage.getLatestKwargs()).gate).to.deep.equal({ open: true });
  });

  it('fire --wait-replicas waits for that many replicas: refused with exit 3 where there are none (the primary has the fire); --wait-timeout alone is a usage error', async () => {
    // The shared test server has no replica: a wait for one times out.
    const waited = await cli('fire', uid, 'waited', '--kwargs', '{"n":1}', '--wait-replicas', '1', '--wait-timeout', '100', '--operation-timeout', '500');
    expect(waited.code).to.equal(3);
    expect(waited.output).to.contain('StorageUnavailableError').and.to.contain('only 0 of 1 replicas acknowledged the write within 100 ms');
    expect((await manager.storage.getLatestKwargs()).waited).to.deep.equal({ n: 1 });
    const alone = await cli('fire', uid, 'waited', '--wait-timeout', '100');
    expect(alone.code).to.not.equal(0);
    expect(alone.output).to.contain('--wait-timeout needs --wait-replicas');
    expect((await manager.storage.getLatestKwargs()).waited).to.deep.equal({ n: 1 });
  });

  it('exits 3 for a session the storage holds nothing for, and changes nothing', async () => {
    const result = await cli('fire', 'no-such-session', 'go');
    expect(result.code).to.equal(3);
    expect(result.output).to.contain('UnknownSessionError: No session "no-such-session"');
    expect(await getManager(container, 'no-such-session').storage.getLatestKwargs()).to.deep.equal({});
  });

  it('exits 3 when Redis cannot be reached', async () => {
    const child = spawnNode([CLI, 'inspect', uid, '--redis', 'redis://127.0.0.1:1', '--operation-timeout', '300']);
    expect(await child.exited).to.equal(3);
    expect(child.output()).to.match(/StorageUnavailableError: Redis at 127\.0\.0\.1:1 is unavailable: ping gave up after \d+ ms/);
  });

  it('graph --uid colours tasks by the status of their latest instance', async () => {
    const result = await cli('graph', '--uid', uid, '--format', 'mermaid');
    expect(result.code).to.equal(0);
    const lines = result.stdout.split('\n');
    expect(lines).to.include('  class task_t_a status_failed');
    expect(lines).to.include('  class task_t_c status_finished');
    expect(lines).to.include('  class task_t_b status_unstarted');
    expect(lines).to.include('  class task_t_d status_none');
    expect(lines).to.include('  task_t_a --> task_t_b');
  });
});

describe('triggers worker: --log-level and the unconsumed-queue warning', () => {
  let dir: string;
  afterEach(async () => {
    await killChildren();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads package.json "triggers.modules" and warns about queues registered tasks route to that it does not consume', async () => {
    dir = mkdtempSync(join(tmpdir(), 'triggers-worker-'));
    mkdirSync(join(dir, 'dist'));
    writeFileSync(
      join(dir, 'dist', 'tasks.js'),
      [
        `const { Task, TriggerTask } = require(${JSON.stringify(join(REPO_ROOT, 'dist', 'src', 'index.js'))});`,
        'class Routed extends Task { async run() { return {}; } }',
        "TriggerTask({ name: 'CliSpecRouted', queue: 'cli-spec-imports' })(Routed);",
        'class Plain extends Task { async run() { return {}; } }',
        "TriggerTask({ name: 'CliSpecPlain' })(Plain);",
      ].join('\n'),
    );
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'app', triggers: { modules: ['./dist/tasks.js'] } }));
    const redis = await sharedRedis();
    const worker = spawnNode([CLI, 'worker', '--redis', redis.url, '--prefix', uniquePrefix('cli-worker'), '--queue', 'triggers', '--log-level', 'debug'], {}, dir);
    expect(await worker.line(/^ready /)).to.match(/tasks=CliSpecPlain,CliSpecRouted$/);
    expect(worker.output()).to.contain('warning: registered tasks route to queues this worker does not consume: cli-spec-imports (CliSpecRouted);');
    expect(worker.output()).not.to.contain('CliSpecPlain)');
    worker.child.kill('SIGINT');
    expect(await worker.exited).to.equal(0);
  });
});
