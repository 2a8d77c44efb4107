import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { Container } from 'inversify';
import type { Page } from 'playwright-core';
import { STATUS_COLOURS, closeTriggersContainer, createDashboard, createTriggersContainer, getManager } from '../../src';
import type { DashboardOptions, TriggerManager } from '../../src';
import { ThreadingTaskRunner } from '../../src/testing';
import { launchHeadlessChromium } from '../support/headlessChromium';
import type { HeadlessChromium } from '../support/headlessChromium';
import { REPO_ROOT } from '../support/childProcesses';
import { sharedRedis, uniquePrefix } from '../support/sharedRedis';

const TOKEN = 'browser-spec-token';

/** Where the README's screenshot is written when asked (`DASHBOARD_SCREENSHOT=docs/dashboard.png`); otherwise a temporary file. */
const SCREENSHOT = process.env.DASHBOARD_SCREENSHOT;

describe('dashboard in headless Chromium over a Redis session', function () {
  this.timeout(30_000);
  let chromium: HeadlessChromium;
  let container: Container;
  let manager: TriggerManager;
  const servers: Server[] = [];
  const uid = 'checkout-7';

  const serve = async (options: DashboardOptions): Promise<string> => {
    const server = createServer(createDashboard(container, { refreshMs: 150, ...options }).handler);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };
  const open = async (url: string): Promise<Page> => {
    const page = await chromium.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      // The refused actions the spec provokes are logged as failed loads; script errors are not.
      if (message.type() === 'error' && !/^Failed to load resource: the server responded with a status of (401|403)/.test(message.text())) errors.push(message.text());
    });
    await page.goto(url);
    (page as Page & { errors?: string[] }).errors = errors;
    return page;
  };
  const card = (page: Page, instance: string) => page.locator(`article[data-instance="${instance}"]`);

  before(async () => {
    const redis = await sharedRedis();
    container = createTriggersContainer({ redis: redis.url, prefix: uniquePrefix('dashboard'), defaultRunner: 'threading' });
    manager = getManager(container, uid);
    await manager.updateConfiguration({
      t_done: { after: ['go'], run: 'PassThruTask' },
      t_fail: { after: ['go'], run: 'FailingTask' },
      t_wait: { after: ['go', 'approval'], run: 'PassThruTask' },
    });
    await manager.fire('go', { cart: 7 });
    await ThreadingTaskRunner.joinAll();
    for (const other of ['other-1', 'other-2']) {
      const session = getManager(container, other);
      await session.updateConfiguration({ t_x: { after: ['go'], run: other === 'other-2' ? 'FailingTask' : 'PassThruTask' } });
      await session.fire('go');
      await ThreadingTaskRunner.joinAll();
    }
    chromium = await launchHeadlessChromium();
  });

  after(async () => {
    await chromium?.close();
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    await ThreadingTaskRunner.joinAll();
    await closeTriggersContainer(container);
  });

  it('shows the graph by status, the failure, the timeline and why a task waits; read-only without a token (no button, POST 403)', async () => {
    const page = await open(`${await serve({})}/session?uid=${uid}`);
    const fills = await page.locator('#graph g.task').evaluateAll((groups) =>
      groups.map((group) => [group.querySelector('title')?.textContent?.split(' ')[1], group.querySelector('rect')?.getAttribute('fill')]),
    );
    expect(fills.sort()).to.deep.equal([
      ['t_done', STATUS_COLOURS.finished.fill],
      ['t_fail', STATUS_COLOURS.failed.fill],
      ['t_wait', STATUS_COLOURS.unstarted.fill],
    ]);
    const failed = card(page, 't_fail#0');
    expect(await failed.locator('.failure .type').textContent()).to.equal('DeliberateFailure');
    expect(await failed.locator('.failure .message').textContent()).to.equal('FailingTask failed on purpose');
    expect(await failed.locator('.failure .stack').textContent()).to.match(/^DeliberateFailure: FailingTask failed on purpose\n\s+at /);
    const stored = (await manager.storage.getInstance('t_fail#0')).metadata.timestamps ?? {};
    const steps = await failed.locator('.timeline li').evaluateAll((items) => items.map((item) => [item.getAttribute('data-step'), item.querySelector('time')?.getAttribute('datetime')]));
    expect(steps).to.deep.equal(['created', 'unstarted', 'scheduled', 'running', 'failed'].map((step) => [step, stored[step]]));
    expect(await page.locator('tr[data-task="t_wait"] .missing').textContent()).to.equal('waits for approval');
    expect(await page.locator('#read-only').isVisible()).to.equal(true);
    expect(await page.locator('button[data-action="replay"]').count()).to.equal(0);
    const refused = await page.evaluate(async (body) => {
      const response = await fetch('/api/session/replay', { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer guess' }, body });
      return { status: response.status, body: (await response.json()) as { error: { name: string } } };
    }, JSON.stringify({ uid, instance: 't_fail#0' }));
    expect(refused).to.deep.equal({ status: 403, body: refused.body });
    expect(refused.body.error.name).to.equal('Forbidden');
    expect((await manager.storage.getInstance('t_fail#0')).status).to.equal('failed');
    expect((page as Page & { errors?: string[] }).errors).to.deep.equal([]);
    await page.close();
  });

  it('with the token typed in: Replay replays and the page follows live, outside changes show up, Fire runs the waiting task', async () => {
    const page = await open(`${await serve({ token: TOKEN })}/session?uid=${uid}`);
    const shot = SCREENSHOT ?? join(mkdtempSync(join(tmpdir(), 'dashboard-shot-')), 'dashboard.png');
    await page.screenshot({ path: SCREENSHOT === undefined ? shot : join(REPO_ROOT, shot) });
    const png = readFileSync(SCREENSHOT === undefined ? shot : join(REPO_ROOT, shot));
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).to.deep.equal([1200, 800]);
    if (SCREENSHOT === undefined) rmSync(join(shot, '..'), { recursive: true, force: true });
    await page.evaluate('window.notReloaded = true');

    await page.fill('#token', 'wrong-token');
    await page.click('#save-token button');
    await card(page, 't_fail#0').locator('button[data-action="replay"]').click();
    await page.locator('#message.error', { hasText: 'Unauthorized' }).waitFor();
    expect((await manager.storage.getInstance('t_fail#0')).status).to.equal('failed');

    await page.fill('#token', TOKEN);
    await page.click('#save-token button');
    expect(await page.evaluate('sessionStorage.getItem("triggers-dashboard-token")')).to.equal(TOKEN);
    await card(page, 't_fail#0').locator('button[data-action="replay"]').click();
    await page.locator('#message.ok', { hasText: 'replayed t_fail#0 as t_fail#1' }).waitFor();
    await page.locator('article[data-instance="t_fail#0"][data-status="replayed"]').waitFor();
    await page.locator('article[data-instance="t_fail#1"][data-status="failed"]').waitFor();
    expect(await card(page, 't_fail#1').textContent()).to.contain('replays t_fail#0');

    // A change made elsewhere reaches the open page by itself.
    await manager.skipFailedInstance('t_fail#1');
    await page.locator('article[data-instance="t_fail#1"][data-status="skipped"]').waitFor();

    await page.fill('#fire input[name="trigger"]', 'approval');
    await page.fill('#fire input[name="kwargs"]', '{"by":"ops"}');
    await page.click('#fire button');
    await page.locator('article[data-instance="t_wait#0"][data-status="finished"]').waitFor();
    expect((await manager.storage.getInstance('t_wait#0')).kwargs.approval).to.deep.equal({ by: 'ops' });
    expect(await page.evaluate('window.notReloaded')).to.equal(true);
    expect((page as Page & { errors?: string[] }).errors).to.deep.equal([]);
    await page.close();
  });

  it('pages through the sessions directory and filters failed instances', async () => {
    const base = await serve({});
    const page = await open(`${base}/?limit=2`);
    const uids = (): Promise<Array<string | null>> => page.locator('#listing tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-uid')));
    expect(await uids()).to.have.length(2);
    const firstPage = await uids();
    await page.click('#next-page');
    await page.waitForURL(/cursor=/);
    const secondPage = await uids();
    expect([...firstPage, ...secondPage].sort()).to.deep.equal([uid, 'other-1', 'other-2'].sort());
    expect(await page.locator('#next-page').count()).to.equal(0);
    await page.goto(`${base}/`);
    await page.selectOption('#filters select[name="status"]', 'failed');
    await page.click('#filters button');
    await page.waitForURL(/status=failed/);
    const failed = await page.locator('#listing tbody tr').evaluateAll((rows) => rows.map((row) => `${row.getAttribute('data-uid')} ${row.querySelector('td.mono')?.textContent}`));
    expect(failed).to.include('other-2 t_x#0');
    expect(failed.every((entry) => entry === 'other-2 t_x#0' || entry.startsWith(`${uid} t_fail#`)), failed.join()).to.equal(true);
    await page.locator('#listing tr[data-uid="other-2"] a').click();
    await page.waitForURL(/\/session\?uid=other-2$/);
    await page.locator('article[data-instance="t_x#0"][data-status="failed"]').waitFor();
    expect(await page.locator('#graph svg').count()).to.equal(1);
    await page.close();
  });
});
