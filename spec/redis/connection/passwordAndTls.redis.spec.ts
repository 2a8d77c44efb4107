import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { StorageUnavailableError, TaskStatus, TriggerWorker, closeTriggersContainer, createTriggersContainer, getManager } from '../../../src';
import type { JobCompletedEvent, RedisConnectionOption } from '../../../src';
import { MemoryLogSink } from '../../../src/testing';
import { REPO_ROOT, killChildren, spawnNode } from '../../support/childProcesses';
import { RestartableRedis, freePort } from '../../support/restartableRedis';

const PASSWORD = 's3cret-pw';
const CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');

/**
 * One private server that wants a password, on a plain port and on a TLS
 * port (a self-signed certificate for 127.0.0.1 made with openssl): the
 * storage, the BullMQ runner and a worker reach it through the same
 * `redis` option, and the CLI through a `rediss://` URL.
 */
describe('redis/connection: a password-protected server, over plain TCP and TLS', function () {
  this.timeout(60_000);
  let dir: string;
  let cert: string;
  let server: RestartableRedis;
  let tlsPort: number;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'triggers-tls-'));
    cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    execFileSync('openssl', [
      ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost'],
      ...['-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', key, '-out', cert],
    ], { stdio: 'ignore' });
    tlsPort = await freePort();
    server = await RestartableRedis.onFreePort([
      ...['--requirepass', PASSWORD, '--tls-port', String(tlsPort)],
      ...['--tls-cert-file', cert, '--tls-key-file', key, '--tls-ca-cert-file', cert, '--tls-auth-clients', 'no'],
    ]);
    await server.start();
  });

  after(async () => {
    await killChildren();
    await server?.remove();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  /** Fires into a Redis session and waits for a worker on the same option to run the task. */
  async function runsOneJob(redis: RedisConnectionOption, prefix: string, uid: string): Promise<void> {
    const container = createTriggersContainer({ redis, prefix, defaultStorage: 'redis', defaultRunner: 'bullmq', logSink: new MemoryLogSink() });
    const worker = new TriggerWorker(container, { reconcileIntervalMs: 0 });
    try {
      const completed = new Promise<JobCompletedEvent>((resolve) => worker.once('completed', resolve));
      await worker.start();
      const manager = getManager(container, uid);
      await manager.updateConfiguration({ t_a: { after: ['go'], run: 'PassThruTask' } });
      await manager.fire('go', { n: 1 });
      const event = await completed;
      expect([event.payload.instance, event.outcome]).to.deep.equal(['t_a#0', TaskStatus.Finished]);
      expect((await manager.storage.getInstance('t_a#0')).status).to.equal(TaskStatus.Finished);
    } finally {
      await worker.close();
      await closeTriggersContainer(container);
    }
  }

  it('runs a job through a password in the URL (storage, BullMQ and the worker all authenticate)', async () => {
    await runsOneJob(`redis://:${PASSWORD}@127.0.0.1:${server.port}`, 'pw', 'with-password');
  });

  it('runs a job over TLS with a password given as ioredis options (the CA the app trusts)', async () => {
    const ca = readFileSync(cert, 'utf8');
    await runsOneJob({ host: '127.0.0.1', port: tlsPort, password: PASSWORD, tls: { ca } }, 'tls', 'over-tls');
  });

  it('the CLI reads that session through a rediss:// URL with the password (the CA from NODE_EXTRA_CA_CERTS)', async () => {
    const child = spawnNode([CLI, 'inspect', 'over-tls', '--json', '--redis', `rediss://:${PASSWORD}@127.0.0.1:${tlsPort}`, '--prefix', 'tls'], {
      NODE_EXTRA_CA_CERTS: cert,
    });
    expect(await child.exited, child.output()).to.equal(0);
    const data = JSON.parse(child.stdout()) as { instances: Array<{ name: string; status: string }> };
    expect(data.instances.map((instance) => [instance.name, instance.status])).to.deep.equal([['t_a#0', 'finished']]);
  });

  it('a wrong password fails every operation at once (no waiting out the timeout) with StorageUnavailableError naming the refusal', async () => {
    const connectionLog: string[] = [];
    const container = createTriggersContainer({
      redis: `redis://:not-it@127.0.0.1:${server.port}`,
      prefix: 'pw-fast',
      defaultStorage: 'redis',
      // Far beyond this spec's own timeout: only failing at once can pass.
      operationTimeoutMs: 600_000,
      connectionLog: (entry) => connectionLog.push(entry.message),
    });
    try {
      for (const attempt of ['first', 'second']) {
        const error = await getManager(container, `wrong-pw-${attempt}`).fire('go').then(
          () => undefined,
          (thrown: unknown) => thrown,
        );
        expect(error, attempt).to.be.instanceOf(StorageUnavailableError);
        expect((error as StorageUnavailableError).maybeApplied, attempt).to.equal(false);
        expect((error as Error).message, attempt).to.match(/WRONGPASS/);
      }
      expect(connectionLog.filter((line) => /WRONGPASS/.test(line))).to.have.length(1);
    } finally {
      await closeTriggersContainer(container);
    }
  });

  it('a wrong password fails the command with a named error saying so, and writes nothing', async () => {
    const child = spawnNode([CLI, 'fire', 'wrong-pw', 'go', '--redis', `redis://:not-it@127.0.0.1:${server.port}`, '--prefix', 'pw', '--operation-timeout', '600000']);
    const code = await child.exited;
    expect(code, child.output()).to.not.equal(0);
    expect(child.output()).to.match(/WRONGPASS|password/i);
    const container = createTriggersContainer({ redis: `redis://:${PASSWORD}@127.0.0.1:${server.port}`, prefix: 'pw' });
    try {
      expect(await getManager(container, 'wrong-pw').storage.getInstances()).to.deep.equal([]);
    } finally {
      await closeTriggersContainer(container);
    }
  });
});
