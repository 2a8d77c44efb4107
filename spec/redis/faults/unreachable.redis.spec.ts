import { expect } from 'chai';
import { StorageUnavailableError, getManager } from '../../../src';
import { ThreadingTaskRunner, expectInstance } from '../../../src/testing';
import { FAULT_TIMEOUT_MS, closeFaultContainers, faultContainer, onceAvailable, settleTimed } from '../../support/faultFixtures';
import { keysUnder } from '../../support/redisContainers';
import { RestartableRedis, freePort } from '../../support/restartableRedis';

/** Margin over the operation timeout for timers and one connection attempt on loopback. */
const MARGIN_MS = 1500;

describe('faults: Redis unreachable (in process)', function () {
  this.timeout(30_000);
  const servers: RestartableRedis[] = [];

  afterEach(async () => {
    await ThreadingTaskRunner.joinAll().catch(() => undefined);
    await closeFaultContainers();
    await Promise.all(servers.splice(0).map((server) => server.remove()));
  });

  it('fails fire with StorageUnavailableError naming the session and operation within the timeout, and writes nothing', async () => {
    const port = await freePort();
    const { container, prefix, log } = faultContainer(`redis://127.0.0.1:${port}`);
    const manager = getManager(container, 'faults-nowhere');

    const { error, ms } = await settleTimed(manager.fire('go', { n: 1 }));

    expect(error).to.be.instanceOf(StorageUnavailableError);
    const unavailable = error as StorageUnavailableError;
    expect(unavailable.uid).to.equal('faults-nowhere');
    expect(unavailable.operation).to.be.a('string').that.is.not.empty;
    expect(unavailable.target).to.equal(`127.0.0.1:${port}`);
    expect(unavailable.maybeApplied, 'nothing was ever sent').to.equal(false);
    expect(unavailable.message).to.include('"faults-nowhere"').and.include(unavailable.operation).and.include(`127.0.0.1:${port}`);
    expect(ms).to.be.at.least(FAULT_TIMEOUT_MS - 50).and.below(FAULT_TIMEOUT_MS + MARGIN_MS);
    const warnings = log.filter((entry) => entry.level === 'warn');
    expect(warnings, JSON.stringify(log)).to.have.length(1);
    expect(warnings[0].message).to.include(`127.0.0.1:${port}`).and.match(/ECONNREFUSED/);
    await closeFaultContainers();

    const server = RestartableRedis.onPort(port);
    servers.push(server);
    await server.start();
    const probe = faultContainer(server.url).container;
    expect(await keysUnder(probe, prefix)).to.deep.equal([]);
  });

  it('fails operations with the named error while the server is down, works again once it is back, and logs the outage once', async () => {
    const server = await RestartableRedis.onFreePort();
    servers.push(server);
    await server.start();
    const { container, log } = faultContainer(server.url);
    const manager = getManager(container, 'faults-restart');
    await manager.updateConfiguration({ t_a: { after: ['go'], run: 'PassThruTask' }, t_b: { after: ['again'], run: 'PassThruTask' } });
    await manager.fire('go');
    await ThreadingTaskRunner.joinAll();
    await expectInstance(manager, 't_a#0').finished();

    await server.stop();
    for (const operation of [() => manager.fire('again'), () => manager.storage.getUnresolvedInstances()]) {
      const { error, ms } = await settleTimed(operation());
      expect(error).to.be.instanceOf(StorageUnavailableError);
      expect((error as StorageUnavailableError).uid).to.equal('faults-restart');
      expect(ms).to.be.below(FAULT_TIMEOUT_MS + MARGIN_MS);
    }

    await server.start();
    await onceAvailable('a fire after the restart', () => manager.fire('again'));
    await ThreadingTaskRunner.joinAll();
    await expectInstance(manager, 't_b#0').finished();
    await expectInstance(manager, 't_a#0').finished();

    const warnings = log.filter((entry) => entry.level === 'warn');
    const recoveries = log.filter((entry) => entry.level === 'info');
    expect(warnings, JSON.stringify(log)).to.have.length(1);
    expect(warnings[0].message).to.include(`127.0.0.1:${server.port}`);
    expect(recoveries, JSON.stringify(log)).to.have.length(1);
    expect(recoveries[0].message).to.match(/reconnected after \d+\.\d s$/);
  });
});
