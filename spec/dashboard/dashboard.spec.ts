import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import type { Container } from 'inversify';
import { closeTriggersContainer, createDashboard, getManager } from '../../src';
import type { Dashboard, DashboardOptions, TriggerManager } from '../../src';
import { DashboardAccess } from '../../src/dashboard/DashboardAccess';
import { ThreadingTaskRunner, createTestContainer } from '../../src/testing';
import '../support/SnapshotStorage';
import { untilClockPasses } from '../support/waitFor';

const TOKEN = 'spec-token-0123';

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: { error?: { name: string; message: string } } & Record<string, unknown>;
}

describe('dashboard (fetch handler, memory storage): pages, JSON API, access, validation, mounting', () => {
  let container: Container;
  let manager: TriggerManager;
  const uid = 'shop-42';

  const ask = async (dashboard: Dashboard, path: string, init: RequestInit = {}): Promise<Answer> => {
    const response = await dashboard.fetch(new Request(`http://dashboard.test${path}`, init));
    const text = await response.text();
    let json: Answer['json'] = {};
    try {
      json = JSON.parse(text) as Answer['json'];
    } catch {
      // an HTML or empty answer
    }
    return { status: response.status, headers: response.headers, text, json };
  };
  const post = (dashboard: Dashboard, action: string, body: unknown, token?: string): Promise<Answer> =>
    ask(dashboard, `/api/session/${action}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const dashboardWith = (options: DashboardOptions = {}): Dashboard => createDashboard(container, options);

  beforeEach(async () => {
    container = createTestContainer();
    manager = getManager(container, uid);
    await manager.updateConfiguration({
      t_a: { after: ['go'], run: 'FailingTask' },
      t_b: { after: ['go'], run: 'PassThruTask' },
      t_c: { after: ['t_b', 'approve'], run: 'PassThruTask' },
    });
    await manager.fire('go', { note: '<img src=x onerror=alert(1)>' });
    await ThreadingTaskRunner.joinAll();
  });

  afterEach(async () => {
    await ThreadingTaskRunner.joinAll();
    await closeTriggersContainer(container);
  });

  it('GET /api/session gives tasks with status and why, instances with timeline and failure', async () => {
    const answer = await ask(dashboardWith(), `/api/session?uid=${uid}`);
    expect(answer.status).to.equal(200);
    const view = answer.json as unknown as import('../../src').SessionView;
    expect(view.tasks.map((task) => [task.name, task.status])).to.deep.equal([
      ['t_a', 'failed'],
      ['t_b', 'finished'],
      ['t_c', 'unstarted'],
    ]);
    expect(view.tasks[2].why.missing).to.deep.equal(['approve']);
    const failed = view.instances.find((instance) => instance.name === 't_a#0');
    expect(failed?.failure?.type).to.equal('DeliberateFailure');
    expect(failed?.failure?.message).to.equal('FailingTask failed on purpose');
    expect(failed?.failure?.stack).to.match(/^DeliberateFailure: FailingTask failed on purpose\n\s+at /);
    expect(failed?.timeline.map((step) => step.step)).to.deep.equal(['created', 'unstarted', 'scheduled', 'running', 'failed']);
    expect(view.triggers).to.deep.equal(['approve', 'go', 't_b']);
  });

  it('is read-only without a token: no action buttons, POST answers 403 with a JSON error, nothing changes', async () => {
    const dashboard = dashboardWith();
    const page = await ask(dashboard, `/session?uid=${uid}`);
    expect(page.status).to.equal(200);
    expect(page.text).to.contain('id="read-only"');
    expect(page.text).not.to.contain('data-action="replay"');
    expect(page.text).not.to.contain('id="fire"');
    const refused = await post(dashboard, 'replay', { uid, instance: 't_a#0' }, TOKEN);
    expect(refused.status).to.equal(403);
    expect(refused.json.error?.name).to.equal('Forbidden');
    expect(refused.json.error?.message).to.match(/read-only/);
    expect((await manager.storage.getInstance('t_a#0')).status).to.equal('failed');
  });

  it('with a token: a missing or wrong token is 401; the right one replays, skips and fires', async () => {
    const dashboard = dashboardWith({ token: TOKEN });
    const page = await ask(dashboard, `/session?uid=${uid}`);
    expect(page.text).to.contain('data-action="replay" data-instance="t_a#0"');
    for (const token of [undefined, 'spec-token-0124', 'x']) {
      const refused = await post(dashboard, 'replay', { uid, instance: 't_a#0' }, token);
      expect(refused.status).to.equal(401);
      expect(refused.headers.get('www-authenticate')).to.match(/^Bearer/);
      expect(refused.json.error?.name).to.equal('Unauthorized');
    }
    const replayed = await post(dashboard, 'replay', { uid, instance: 't_a#0' }, TOKEN);
    expect(replayed.status, replayed.text).to.equal(200);
    expect(replayed.json).to.deep.include({ uid, replayed: 't_a#0' });
    await ThreadingTaskRunner.joinAll();
    expect((await manager.storage.getInstance('t_a#0')).status).to.equal('replayed');
    expect((await manager.storage.getInstance('t_a#1')).status).to.equal('failed');
    const skipped = await post(dashboard, 'skip', { uid, instance: 't_a#1', cascade: true, result: { given: 'up' } }, TOKEN);
    expect(skipped.status, skipped.text).to.equal(200);
    expect(skipped.json).to.deep.include({ skipped: 't_a#1', status: 'skipped', cascade: true });
    const fired = await post(dashboard, 'fire', { uid, trigger: 'approve', kwargs: { by: 'ops' } }, TOKEN);
    expect(fired.status, fired.text).to.equal(200);
    await ThreadingTaskRunner.joinAll();
    expect((await manager.storage.getInstance('t_c#0')).status).to.equal('finished');
    expect((await manager.storage.getInstance('t_c#0')).kwargs.approve).to.deep.equal({ by: 'ops' });
  });

  it('refuses malformed input with 400 (the error name and message), unknown names with 404, a wrong state with 409', async () => {
    const dashboard = dashboardWith({ token: TOKEN });
    const cases: Array<[string, unknown, number, string, RegExp]> = [
      ['replay', '{not json', 400, 'InvalidDashboardRequestError', /^body: is not JSON/],
      ['replay', '[1]', 400, 'InvalidDashboardRequestError', /^body: must be a JSON object/],
      ['replay', { uid, instance: 'nope' }, 400, 'InvalidDashboardRequestError', /^instance "nope": is not an instance name/],
      ['replay', { uid }, 400, 'InvalidDashboardRequestError', /^instance: must be an instance name/],
      ['replay', { uid, instance: 't_a#0', kwargs: { go: 3 } }, 400, 'InvalidDashboardRequestError', /^kwargs\.go "3": must be a JSON object/],
      ['replay', { uid: 7, instance: 't_a#0' }, 400, 'InvalidSessionUidError', /./],
      ['replay', { uid, instance: 't_a#9' }, 404, 'UnknownInstanceError', /no task instance named "t_a#9"/],
      ['replay', { uid, instance: 't_b#0' }, 409, 'InvalidInstanceStateError', /t_b#0/],
      ['skip', { uid, instance: 't_a#0', cascade: 'yes' }, 400, 'InvalidDashboardRequestError', /^cascade "\\"yes\\"": must be true or false/],
      ['fire', { uid, trigger: 'go', kwargs: [1] }, 400, 'InvalidDashboardRequestError', /^kwargs "\[1\]": must be a JSON object/],
      ['fire', { uid }, 400, 'InvalidDashboardRequestError', /^trigger: must be a trigger name/],
      ['fire', { uid: 'no-such-session', trigger: 'go' }, 400, 'InvalidDashboardRequestError', /holds nothing for this session/],
    ];
    for (const [action, body, status, name, message] of cases) {
      const answer = await post(dashboard, action, body, TOKEN);
      expect(answer.status, `${action} ${JSON.stringify(body)}: ${answer.text}`).to.equal(status);
      expect(answer.json.error?.name, answer.text).to.equal(name);
      expect(answer.json.error?.message, answer.text).to.match(message);
    }
    expect((await manager.storage.getInstance('t_a#0')).status).to.equal('failed');
    const badFilter = await ask(dashboard, '/api/sessions?status=done');
    expect(badFilter.status).to.equal(400);
    expect(badFilter.json.error?.message).to.match(/^status "done": must be failed, running, scheduled/);
    const badPage = await ask(dashboard, '/?since=yesterday');
    expect(badPage.status).to.equal(400);
    expect(badPage.text).to.contain('since &quot;yesterday&quot;: must be a date and time');
  });

  it('escapes every uid, name and kwarg it renders, and sends a nonce-only script policy', async () => {
    const hostile = '<script>alert("uid")</script>';
    const other = getManager(container, hostile);
    await other.updateConfiguration({ 'x<b>': { after: ['go"><i>'], run: 'PassThruTask' } });
    await other.fire('go"><i>', { html: '</pre><img src=x onerror=alert(2)>' });
    await ThreadingTaskRunner.joinAll();
    const dashboard = dashboardWith({ token: TOKEN });
    const page = await ask(dashboard, `/session?uid=${encodeURIComponent(hostile)}`);
    expect(page.status).to.equal(200);
    expect(page.text).not.to.contain('<script>alert');
    expect(page.text).not.to.contain('<img src=x');
    expect(page.text).not.to.contain('x<b>');
    expect(page.text).to.contain('x&lt;b&gt;');
    expect(page.text).not.to.contain('"><i>');
    expect(page.text).to.contain('&lt;script&gt;alert(&quot;uid&quot;)&lt;/script&gt;');
    expect(page.text).to.contain('&lt;/pre&gt;&lt;img src=x onerror=alert(2)&gt;');
    // The uid is also a constant of the inline script: it cannot close the script element.
    expect(page.text).to.contain('"\\u003cscript>alert(\\"uid\\")\\u003c/script>"');
    const policy = page.headers.get('content-security-policy') ?? '';
    const nonce = /script-src 'nonce-([^']+)'/.exec(policy)?.[1];
    expect(nonce, policy).to.be.a('string');
    expect(page.text.match(/<script[^>]*>/g)).to.deep.equal([`<script nonce="${nonce}">`]);
    expect(policy).to.contain("default-src 'none'");
  });

  it('lists sessions through the directory, filtered by status and time, a page at a time; says so when there is none', async () => {
    for (const n of [1, 2, 3]) {
      // Sessions are ordered by last activity in milliseconds; the order within one is unspecified.
      await untilClockPasses(Date.now());
      const extra = `extra-${n}`;
      const session = getManager(container, extra);
      await session.updateConfiguration({ t_x: { after: ['go'], run: n === 2 ? 'FailingTask' : 'PassThruTask' } });
      await session.fire('go');
      await ThreadingTaskRunner.joinAll();
    }
    const dashboard = dashboardWith();
    const first = await ask(dashboard, '/api/sessions?limit=3');
    expect(first.json).to.deep.include({ directory: true, kind: 'sessions' });
    expect((first.json.entries as Array<{ uid: string }>).map((entry) => entry.uid)).to.deep.equal([uid, 'extra-1', 'extra-2']);
    const second = await ask(dashboard, `/api/sessions?limit=3&cursor=${String(first.json.next)}`);
    expect((second.json.entries as Array<{ uid: string }>).map((entry) => entry.uid)).to.deep.equal(['extra-3']);
    expect(second.json.next).to.equal(undefined);
    const failed = await ask(dashboard, '/api/sessions?status=failed');
    expect((failed.json.entries as Array<{ uid: string; instance: string }>).map((entry) => `${entry.uid} ${entry.instance}`)).to.deep.equal([`${uid} t_a#0`, 'extra-2 t_x#0']);
    const future = await ask(dashboard, `/api/sessions?since=${new Date(Date.now() + 60_000).toISOString()}`);
    expect(future.json.entries).to.deep.equal([]);
    const counts = await ask(dashboard, '/api/counts');
    expect(counts.json).to.deep.include({ directory: true });
    expect(counts.json.tasks).to.deep.include({ task: 't_x', counts: { failed: 1, finished: 2 } });
    expect((counts.json.total as Record<string, number>).failed).to.equal(2);
    const html = await ask(dashboard, '/?limit=2');
    expect(html.text).to.contain('id="next-page" href="/?limit=2&amp;cursor=2"');
    expect(html.text).to.contain(`href="/session?uid=${uid}"`);
    expect(html.text).to.match(/<table id="counts">.*<td class="mono">t_x<\/td><td>1<\/td><td>2<\/td>/s);
    // A storage that keeps no directory (a snapshot backend): the page says so and offers the uid form.
    const snapshots = createTestContainer({ defaultStorage: 'specSnapshots' });
    try {
      const none = await ask(createDashboard(snapshots), '/');
      expect(none.status).to.equal(200);
      expect(none.text).to.contain('id="no-directory"');
      expect(none.text).to.contain('keeps no directory');
      expect((await ask(createDashboard(snapshots), '/api/sessions')).json).to.deep.equal({ directory: false, entries: [] });
    } finally {
      await closeTriggersContainer(snapshots);
    }
  });

  it('answers the live fragment with 204 while the session is unchanged and with new HTML after a change', async () => {
    const dashboard = dashboardWith();
    const firstLive = await ask(dashboard, `/session/live?uid=${uid}`);
    const stamp = firstLive.headers.get('x-session-stamp') ?? '';
    expect(firstLive.status).to.equal(200);
    expect((await ask(dashboard, `/session/live?uid=${uid}&stamp=${stamp}`)).status).to.equal(204);
    await manager.fire('approve');
    await ThreadingTaskRunner.joinAll();
    const changed = await ask(dashboard, `/session/live?uid=${uid}&stamp=${stamp}`);
    expect(changed.status).to.equal(200);
    expect(changed.text).to.match(/data-instance="t_c#0" data-status="finished"/);
  });

  it('mounts in an app\'s own server under a base path, with the prefix kept or stripped by the app', async () => {
    const dashboard = dashboardWith({ basePath: '/ops/triggers/' });
    const server = createServer((req, res) => {
      if (req.url?.startsWith('/ops/triggers')) return dashboard.handler(req, res);
      if (req.url?.startsWith('/stripped/')) {
        // As an Express mount does: the handler sees the path below the mount point.
        req.url = req.url.slice('/stripped'.length);
        return dashboard.handler(req, res);
      }
      res.end('the app');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      expect(await (await fetch(`${base}/`)).text()).to.equal('the app');
      for (const path of ['/ops/triggers', '/stripped']) {
        const page = await fetch(`${base}${path}/session?uid=${uid}`);
        expect(page.status).to.equal(200);
        const html = await page.text();
        expect(html).to.contain('href="/ops/triggers/"');
        expect(html).to.contain('const base = "/ops/triggers";');
        const api = await fetch(`${base}${path}/api/session?uid=${uid}`);
        expect(((await api.json()) as { uid: string }).uid).to.equal(uid);
      }
      const refused = await fetch(`${base}/ops/triggers/api/session/fire`, { method: 'POST', body: '{}' });
      expect(refused.status).to.equal(403);
      expect((await fetch(`${base}/ops/triggers/api/nothing`)).status).to.equal(404);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('DashboardAccess: read-only without a token, act only with the exact bearer token', () => {
    expect(new DashboardAccess().check(`Bearer ${TOKEN}`)).to.equal('read-only');
    const access = new DashboardAccess(TOKEN);
    expect(access.check(`Bearer ${TOKEN}`)).to.equal('act');
    expect(access.check(`bearer ${TOKEN}`)).to.equal('act');
    expect(access.check(TOKEN)).to.equal('unauthorized');
    expect(access.check(`Bearer ${TOKEN}x`)).to.equal('unauthorized');
    expect(access.check(`Basic ${TOKEN}`)).to.equal('unauthorized');
    expect(access.check(undefined)).to.equal('unauthorized');
    expect(() => new DashboardAccess('')).to.throw(RangeError);
  });
});
