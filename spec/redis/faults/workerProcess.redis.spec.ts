import { expect } from 'chai';
import { Redis } from 'ioredis';
import { BullMQTaskRunner, TaskStatus, getManager } from '../../../src';
import { expectInstance } from '../../../src/testing';
import { releaseKey, runsKey } from '../worker/fixtures/distributedTasks';
import { killChildren, spawnWorker } from '../../support/childProcesses';
import { closeFaultContainers, faultContainer, onceAvailable } from '../../support/faultFixtures';
import { RestartableRedis, freePort } from '../../support/restartableRedis';
import { waitFor } from '../../support/waitFor';

function count(text: string, pattern: RegExp): number {
  return text.split('\n').filter((line) => pattern.test(line)).length;
}

describe('faults: a worker process and an unreachable Redis', function () {
  this.timeout(40_000);
  const servers: RestartableRedis[] = [];

  afterEach(async () => {
    await killChildren();
    await closeFaultContainers();
    await Promise.all(servers.splice(0).map((server) => server.remove()));
  });

  it('exits on one SIGTERM within --close-timeout when Redis was never reachable', async () => {
    const port = await freePort();
    const worker = spawnWorker(`redis://127.0.0.1:${port}`, 'faults-never', ['--close-timeout', '1000']);
    await worker.line(/is unreachable/);
    const started = Date.now();
    worker.child.kill('SIGTERM');
    const code = await worker.exited;
    expect(code, worker.output()).to.equal(0);
    expect(Date.now() - started).to.be.below(3000);
    expect(worker.output()).to.not.include('Unhandled error event');
  });

  it('keeps running jobs across a restart of Redis, logging one outage and one recovery and no unhandled error event', async () => {
    const server = await RestartableRedis.onFreePort();
    servers.push(server);
    await server.start();
    const { container, prefix } = faultContainer(server.url, { defaultRunner: 'bullmq', operationTimeoutMs: 1000 });
    const worker = spawnWorker(server.url, prefix, ['--close-timeout', '5000']);
    await worker.line(/^ready /);
    const manager = getManager(container, 'faults-worker');
    await manager.updateConfiguration({ t_first: { after: ['go'], run: 'MP_Step' }, t_second: { after: ['again'], run: 'MP_Step' } });
    await manager.fire('go');
    await worker.line(/^completed .* t_first#0 finished \d+ms$/);

    await server.stop();
    await worker.line(/is unreachable/);
    await server.start();
    await worker.line(/reconnected after \d+\.\d s/);
    await onceAvailable('a fire after the restart', () => manager.fire('again'));
    await worker.line(/^completed .* t_second#0 finished \d+ms$/);

    worker.child.kill('SIGTERM');
    expect(await worker.exited, worker.output()).to.equal(0);
    const output = worker.output();
    expect(output).to.not.include('Unhandled error event');
    expect(count(output, /is unreachable/), output).to.equal(1);
    expect(count(output, /reconnected after/), output).to.equal(1);
    await waitFor('both instances finished', async () => {
      const unresolved = await manager.storage.getUnresolvedInstances();
      return unresolved.length === 0;
    });
  });
  it('a job lock that expires while Redis restarts is not a lost worker: the stalled re-delivery waits for the live worker, the task runs and finishes once, no WorkerLostError', async () => {
    const server = await RestartableRedis.onFreePort();
    servers.push(server);
    await server.start();
    const { container, prefix } = faultContainer(server.url, { defaultRunner: 'bullmq', operationTimeoutMs: 1000 });
    const fast = ['--lock-duration', '1000', '--stalled-interval', '300', '--heartbeat-interval', '200', '--heartbeat-timeout', '1000', '--close-timeout', '5000'];
    // Two workers of concurrency 1: the one running the task cannot take its re-delivered job, the other one does.
    const workers = [spawnWorker(server.url, prefix, fast), spawnWorker(server.url, prefix, fast)];
    await Promise.all(workers.map((worker) => worker.line(/^ready /)));
    const manager = getManager(container, 'faults-restart-running');
    await manager.updateConfiguration({ t_span: { after: ['go'], run: 'MP_WaitForRelease' }, t_next: { after: ['t_span'], run: 'MP_Step' } });
    await manager.fire('go');
    const redis = new Redis(server.url, { maxRetriesPerRequest: null, lazyConnect: true });
    redis.on('error', () => undefined);
    try {
      const run = JSON.stringify([manager.storage.uid, 't_span#0']);
      await waitFor('t_span#0 to record its run', async () => (await redis.hget(runsKey(prefix), run)) === '1');
      const jobKey = `${prefix}:bull:triggers:${BullMQTaskRunner.jobIdFor(prefix, manager.storage.uid, 't_span#0')}`;

      await server.stop();
      // The fault under test: an outage that outlasts the job lock (1 s), so the lock is gone when Redis is back.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await server.start();
      await waitFor('the stalled check to re-deliver the job', async () => Number((await redis.hget(jobKey, 'ats').catch(() => null)) ?? 0) >= 2);
      // Hold the task past the heartbeat bound (1 s) after the re-delivery: a worker judging by the stale
      // heartbeat alone would fail the instance meanwhile.
      await new Promise((resolve) => setTimeout(resolve, 1200));
      expect((await manager.storage.getInstance('t_span#0')).status).to.equal(TaskStatus.Running);
      await redis.set(releaseKey(prefix), '1');
      await waitFor('t_next#0 to finish', async () => (await manager.storage.getInstance('t_next#0').catch(() => undefined))?.status === TaskStatus.Finished, 15_000);
      await expectInstance(manager, 't_span#0').finished({ released: true });
      expect(await redis.hget(runsKey(prefix), run)).to.equal('1');
    } finally {
      redis.disconnect();
    }
    for (const worker of workers) worker.child.kill('SIGTERM');
    expect(await Promise.all(workers.map((worker) => worker.exited))).to.deep.equal([0, 0]);
    const output = workers.map((worker) => worker.output()).join('');
    expect(output).to.not.include('WorkerLostError');
    expect(output).to.not.include('Unhandled error event');
  });
});
