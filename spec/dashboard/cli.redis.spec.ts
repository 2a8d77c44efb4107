import { join } from 'node:path';
import { expect } from 'chai';
import type { Container } from 'inversify';
import { closeTriggersContainer, createTriggersContainer, getManager } from '../../src';
import { ThreadingTaskRunner } from '../../src/testing';
import { REPO_ROOT, killChildren, spawnNode } from '../support/childProcesses';
import { sharedRedis, uniquePrefix } from '../support/sharedRedis';

const CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');

describe('triggers dashboard (CLI): serves a stored session, prints its URL, acts with --token, stops on SIGTERM', () => {
  let container: Container;
  let redisUrl: string;
  let prefix: string;
  const uid = 'cli-dashboard';

  beforeEach(async () => {
    redisUrl = (await sharedRedis()).url;
    prefix = uniquePrefix('dashboard-cli');
    container = createTriggersContainer({ redis: redisUrl, prefix, defaultRunner: 'threading' });
    const manager = getManager(container, uid);
    await manager.updateConfiguration({ t_a: { after: ['go'], run: 'FailingTask' } });
    await manager.fire('go');
    await ThreadingTaskRunner.joinAll();
  });

  afterEach(async () => {
    await killChildren();
    await closeTriggersContainer(container);
  });

  it('answers the JSON API on the printed URL, refuses a wrong token, replays with the right one and exits 0 on SIGTERM', async () => {
    const child = spawnNode([CLI, 'dashboard', '--port', '0', '--redis', redisUrl, '--prefix', prefix], { TRIGGERS_DASHBOARD_TOKEN: 'cli-token' });
    const line = await child.line(/^triggers dashboard: http:\/\//);
    const url = /(http:\/\/127\.0\.0\.1:\d+)\//.exec(line)?.[1];
    expect(url, line).to.be.a('string');
    const view = (await (await fetch(`${url}/api/session?uid=${uid}`)).json()) as { instances: Array<{ name: string; status: string }> };
    expect(view.instances.map((instance) => [instance.name, instance.status])).to.deep.equal([['t_a#0', 'failed']]);
    const post = (token: string): Promise<Response> =>
      fetch(`${url}/api/session/replay`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: JSON.stringify({ uid, instance: 't_a#0' }) });
    expect((await post('guess')).status).to.equal(401);
    const replayed = await post('cli-token');
    const body = (await replayed.json()) as { clone?: { name: string } };
    expect(replayed.status, JSON.stringify(body)).to.equal(200);
    expect(body.clone?.name).to.equal('t_a#1');
    expect((await getManager(container, uid).storage.getInstance('t_a#0')).status).to.equal('replayed');
    child.child.kill('SIGTERM');
    expect(await child.exited).to.equal(0);
  });

  it('refuses to start without --port', async () => {
    const child = spawnNode([CLI, 'dashboard', '--redis', redisUrl]);
    expect(await child.exited).to.equal(2);
    expect(child.output()).to.contain("required option '--port <n>' not specified");
  });
});
