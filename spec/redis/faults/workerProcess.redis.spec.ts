import { expect } from 'chai';
import { getManager } from '../../../src';
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
    await worker.line(/^completed .* t_first#0$/);

    await server.stop();
    await worker.line(/is unreachable/);
    await server.start();
    await worker.line(/reconnected after \d+\.\d s/);
    await onceAvailable('a fire after the restart', () => manager.fire('again'));
    await worker.line(/^completed .* t_second#0$/);

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
});
