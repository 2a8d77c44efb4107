import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context } from 'hono';
import type { Container } from 'inversify';
import {
  InvalidDashboardRequestError,
  InvalidInstanceStateError,
  InvalidKwargsError,
  InvalidSessionUidError,
  InvalidTriggerNameError,
  StorageUnavailableError,
  UnknownInstanceError,
  UnknownTaskError,
} from '../errors';
import { why } from '../inspection/why';
import type { ManagerFactory } from '../manager/ManagerFactory';
import type { TriggerManager } from '../manager/TriggerManager';
import { TaskStatus, isPlainObject } from '../model';
import type { Kwargs, TriggerKwargs } from '../model';
import { resolveNamed } from '../registry/resolveNamed';
import { TRIGGERS } from '../registry/tokens';
import { StorageBackend } from '../storage/StorageBackend';
import { DashboardAccess } from './DashboardAccess';
import type { StorageDirectory, DirectoryQuery, DirectoryStatus } from '../storage/StorageDirectory';
import { escapeHtml } from './escapeHtml';
import { readSessionView } from './readSessionView';
import { renderLayout } from './renderLayout';
import { renderSessionLive } from './renderSessionLive';
import { renderSessionPage } from './renderSessionPage';
import { renderSessionsPage } from './renderSessionsPage';
import type { SessionsFilter } from './renderSessionsPage';

/** Options of {@link createDashboard}. */
export interface DashboardOptions {
  /** The access token that enables replay, skip and fire (`Authorization: Bearer <token>`); without one the dashboard is read-only. */
  token?: string;
  /** The public path the dashboard is served under, e.g. `/ops/triggers` (default: the root). Requests may arrive with it or with it already stripped (an Express mount). */
  basePath?: string;
  /** Where the sessions page lists from (default: the storage's own directory, `storage.directory()`, when it keeps one). */
  directory?: StorageDirectory;
  /** How often an open session page polls for changes, in ms (default 2000). */
  refreshMs?: number;
  /** The registered manager type that acts (its hooks run); default the container's default. */
  manager?: string;
}

/** A dashboard: a fetch handler (Web standard Request → Response) and the same as a Node `http` request listener. */
export interface Dashboard {
  /** Answers one request. */
  fetch(request: Request): Promise<Response>;
  /** A Node request listener: `http.createServer(dashboard.handler)`, or mounted under `basePath` in an app's own server. */
  handler: (req: IncomingMessage, res: ServerResponse) => void;
}

const STATUSES: readonly DirectoryStatus[] = [TaskStatus.Failed, TaskStatus.Running, TaskStatus.Scheduled];
const MAX_BODY = 1 << 20;
const DEFAULT_LIMIT = 50;


/**
 * The web dashboard over `container`'s storage (docs/dashboard.md): the
 * sessions page (from the directory, filtered by status and time, paged by
 * cursor, with the instance counts per task and status), a session page
 * (the graph coloured by status, why each task waits, each instance's
 * timeline and failure, live updates), a JSON API
 * under `/api`, and replay, skip and fire behind the access token. Built
 * on hono; pages are rendered on the server, with one small inline script.
 */
export function createDashboard(container: Container, options: DashboardOptions = {}): Dashboard {
  const basePath = normaliseBasePath(options.basePath);
  const access = new DashboardAccess(options.token);
  const refreshMs = options.refreshMs ?? 2000;
  if (!Number.isFinite(refreshMs) || refreshMs < 50) throw new RangeError(`refreshMs must be at least 50 ms, got ${refreshMs}`);
  let directory: StorageDirectory | undefined | null = options.directory ?? null;
  const directoryOf = (): StorageDirectory | undefined => {
    if (directory === null) {
      const storage = resolveNamed<StorageBackend>(container, 'storage', container.get<string>(TRIGGERS.DefaultStorageName));
      directory = storage.directory();
    }
    return directory;
  };
  const managerOf = (uid: string): TriggerManager =>
    container.get<ManagerFactory>(TRIGGERS.ManagerFactory)(uid, options.manager === undefined ? undefined : { manager: options.manager });

  // Loaded when a dashboard is made, not when the package is imported: most processes (workers, producers) serve none.
  const { Hono } = require('hono') as typeof import('hono');
  const { getRequestListener } = require('@hono/node-server') as typeof import('@hono/node-server');
  const app = new Hono({ getPath: (request) => stripBase(pathOf(request.url), basePath) });

  app.use('*', async (c, next) => {
    await next();
    c.header('Cache-Control', 'no-store');
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
  });

  app.get('/', async (c) => {
    const nonce = newNonce();
    const source = directoryOf();
    const filter = sessionsFilter(c);
    if (source === undefined) return page(c, nonce, renderSessionsPage({ basePath, nonce, filter }));
    const query = directoryQuery(filter);
    const listing =
      filter.status === undefined
        ? { kind: 'sessions' as const, page: await source.sessionsByActivity(query) }
        : { kind: 'instances' as const, page: await source.instancesByStatus(filter.status, query) };
    return page(c, nonce, renderSessionsPage({ basePath, nonce, filter, listing, counts: await source.counts() }));
  });

  app.get('/session', async (c) => {
    const uid = requireUid(c.req.query('uid'));
    const view = await readSessionView(managerOf(uid));
    const nonce = newNonce();
    return page(c, nonce, renderSessionPage(view, { basePath, nonce, actions: access.actionsEnabled, refreshMs }), view.exists ? 200 : 404);
  });

  app.get('/session/live', async (c) => {
    const uid = requireUid(c.req.query('uid'));
    const view = await readSessionView(managerOf(uid));
    c.header('X-Session-Stamp', view.stamp);
    if (c.req.query('stamp') === view.stamp) return c.body(null, 204);
    return c.html(renderSessionLive(view, { actions: access.actionsEnabled }));
  });

  app.get('/api/sessions', async (c) => {
    const source = directoryOf();
    const filter = sessionsFilter(c);
    if (source === undefined) return c.json({ directory: false, entries: [] });
    const query = directoryQuery(filter);
    if (filter.status === undefined) {
      const listed = await source.sessionsByActivity(query);
      return c.json({ directory: true, kind: 'sessions', entries: listed.entries.map((entry) => ({ uid: entry.uid, lastActivity: entry.lastActivity.toISOString() })), next: listed.next });
    }
    const listed = await source.instancesByStatus(filter.status, query);
    return c.json({
      directory: true,
      kind: 'instances',
      status: filter.status,
      entries: listed.entries.map((entry) => ({ uid: entry.uid, instance: entry.instance, since: entry.since.toISOString() })),
      next: listed.next,
    });
  });

  app.get('/api/counts', async (c) => {
    const source = directoryOf();
    if (source === undefined) return c.json({ directory: false });
    return c.json({ directory: true, ...(await source.counts()) });
  });

  app.get('/api/session', async (c) => {
    const view = await readSessionView(managerOf(requireUid(c.req.query('uid'))));
    return c.json(view, view.exists ? 200 : 404);
  });

  app.get('/api/session/why', async (c) => {
    const uid = requireUid(c.req.query('uid'));
    const target = c.req.query('target');
    if (target === undefined || target.length === 0) throw new InvalidDashboardRequestError({ parameter: 'target', reason: 'is missing: give a task or instance name' });
    return c.json(await why(managerOf(uid), target));
  });

  app.post('/api/session/:action{replay|skip|fire}', async (c) => {
    const verdict = access.check(c.req.header('authorization'));
    if (verdict === 'read-only') {
      return c.json({ error: { name: 'Forbidden', message: 'This dashboard is read-only: it was started without an access token, so replay, skip and fire are refused' } }, 403);
    }
    if (verdict === 'unauthorized') {
      c.header('WWW-Authenticate', 'Bearer realm="triggers-dashboard"');
      return c.json({ error: { name: 'Unauthorized', message: 'Missing or wrong access token: send Authorization: Bearer <token>' } }, 401);
    }
    const body = await jsonBody(c);
    const uid = requireUid(body.uid);
    const manager = managerOf(uid);
    switch (c.req.param('action')) {
      case 'replay': {
        const instance = instanceName(body.instance);
        const kwargs = body.kwargs === undefined ? undefined : triggerKwargs(body.kwargs);
        await manager.replayFailedInstance(instance, kwargs);
        const clone = (await manager.storage.getInstances()).filter((candidate) => candidate.metadata.parent === instance).at(-1);
        const cloneView = clone === undefined ? undefined : { name: clone.name, status: clone.status, depth: clone.depth };
        return c.json({ uid, replayed: instance, clone: cloneView, summary: `replayed ${instance} as ${clone?.name ?? '?'} (${clone?.status ?? 'unknown status'})` });
      }
      case 'skip': {
        const instance = instanceName(body.instance);
        if (body.cascade !== undefined && typeof body.cascade !== 'boolean') {
          throw new InvalidDashboardRequestError({ parameter: 'cascade', value: JSON.stringify(body.cascade), reason: 'must be true or false' });
        }
        const result = body.result === undefined ? {} : kwargsObject('result', body.result);
        const cascade = body.cascade === true;
        await manager.skipFailedInstance(instance, { cascade, result });
        const skipped = await manager.storage.getInstance(instance);
        return c.json({ uid, skipped: instance, status: skipped.status, cascade, result, summary: `skipped ${instance}${cascade ? ` (fired ${skipped.taskName})` : ''}` });
      }
      default: {
        if (typeof body.trigger !== 'string' || body.trigger.length === 0) {
          throw new InvalidDashboardRequestError({ parameter: 'trigger', value: body.trigger === undefined ? undefined : JSON.stringify(body.trigger), reason: 'must be a trigger name' });
        }
        const trigger = body.trigger;
        const kwargs = body.kwargs === undefined ? {} : kwargsObject('kwargs', body.kwargs);
        const [tasks, latest] = await Promise.all([manager.storage.readTaskEntries(), manager.storage.readLatestKwargs()]);
        if (Object.keys(tasks).length === 0 && Object.keys(latest).length === 0) {
          throw new InvalidDashboardRequestError({ parameter: 'uid', value: uid, reason: 'the storage holds nothing for this session, and the dashboard fires only into existing sessions' });
        }
        const before = new Map((await manager.storage.getInstances()).map((instance) => [instance.name, instance.metadata.timestamps?.lastModified]));
        await manager.fire(trigger, kwargs);
        const changed = (await manager.storage.getInstances())
          .filter((instance) => before.get(instance.name) !== instance.metadata.timestamps?.lastModified)
          .map((instance) => ({ name: instance.name, status: instance.status }));
        const summary = `fired ${trigger}: ${changed.length === 0 ? 'no instance created or changed' : changed.map((item) => `${item.name} ${item.status}`).join(', ')}`;
        return c.json({ uid, trigger, kwargs, changed, summary });
      }
    }
  });

  app.notFound((c) => (isApi(c) ? c.json({ error: { name: 'NotFound', message: `No dashboard route ${c.req.method} ${c.req.path}` } }, 404) : c.text('Not found', 404)));

  app.onError((error, c) => {
    const status = statusOf(error);
    const name = error.name;
    const message = error.message;
    if (isApi(c) || c.req.method !== 'GET') return c.json({ error: { name, message } }, status);
    const nonce = newNonce();
    return page(c, nonce, renderLayout({ title: 'Error', basePath, nonce, body: `<p class="notice" id="error"><b>${escapeHtml(name)}</b>: ${escapeHtml(message)}</p>` }), status);
  });

  const fetch = async (request: Request): Promise<Response> => app.fetch(request);
  const listener = getRequestListener((request) => app.fetch(request), { overrideGlobalObjects: false });
  return { fetch, handler: (req, res) => void listener(req, res) };
}

type Status = 200 | 400 | 404 | 409 | 500 | 503;

function statusOf(error: Error): Status {
  if (error instanceof InvalidDashboardRequestError || error instanceof InvalidKwargsError || error instanceof InvalidSessionUidError || error instanceof InvalidTriggerNameError) return 400;
  if (error instanceof UnknownInstanceError || error instanceof UnknownTaskError) return 404;
  if (error instanceof InvalidInstanceStateError) return 409;
  if (error instanceof StorageUnavailableError) return 503;
  return 500;
}

function page(c: Context, nonce: string, html: string, status: Status = 200): Response {
  c.header(
    'Content-Security-Policy',
    `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
  );
  return c.html(html, status);
}

function isApi(c: Context): boolean {
  return c.req.path === '/api' || c.req.path.startsWith('/api/');
}

function newNonce(): string {
  return randomBytes(16).toString('base64');
}

function normaliseBasePath(value: string | undefined): string {
  if (value === undefined || value === '' || value === '/') return '';
  if (!/^\/[A-Za-z0-9._~\-/]*$/.test(value)) throw new RangeError(`basePath must be a path such as "/ops/triggers", got ${JSON.stringify(value)}`);
  return value.replace(/\/+$/, '');
}

function pathOf(url: string): string {
  const start = url.indexOf('/', url.indexOf('://') + 3);
  if (start < 0) return '/';
  const end = url.slice(start).search(/[?#]/);
  return end < 0 ? url.slice(start) : url.slice(start, start + end);
}

function stripBase(path: string, basePath: string): string {
  if (basePath === '') return path;
  if (path === basePath) return '/';
  return path.startsWith(`${basePath}/`) ? path.slice(basePath.length) : path;
}

function requireUid(value: unknown): string {
  if (value === undefined || value === '') throw new InvalidDashboardRequestError({ parameter: 'uid', reason: 'is missing: give the session uid' });
  StorageBackend.assertValidUid(value);
  return value;
}

function instanceName(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new InvalidDashboardRequestError({ parameter: 'instance', value: value === undefined ? undefined : JSON.stringify(value), reason: 'must be an instance name such as "t_a#0"' });
  }
  if (!/#\d+$/.test(value)) throw new InvalidDashboardRequestError({ parameter: 'instance', value, reason: 'is not an instance name (`<task>#<n>`)' });
  return value;
}

function kwargsObject(parameter: string, value: unknown): Kwargs {
  if (!isPlainObject(value)) throw new InvalidDashboardRequestError({ parameter, value: JSON.stringify(value), reason: 'must be a JSON object' });
  return value as Kwargs;
}

function triggerKwargs(value: unknown): TriggerKwargs {
  const kwargs = kwargsObject('kwargs', value);
  for (const [trigger, inner] of Object.entries(kwargs)) {
    if (!isPlainObject(inner)) throw new InvalidDashboardRequestError({ parameter: `kwargs.${trigger}`, value: JSON.stringify(inner), reason: 'must be a JSON object (replacement kwargs map trigger names to kwargs objects)' });
  }
  return kwargs as TriggerKwargs;
}

async function jsonBody(c: Context): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  if (text.length > MAX_BODY) throw new InvalidDashboardRequestError({ parameter: 'body', reason: `is larger than ${MAX_BODY} bytes` });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InvalidDashboardRequestError({ parameter: 'body', reason: `is not JSON (${error instanceof Error ? error.message : String(error)})` });
  }
  if (!isPlainObject(parsed)) throw new InvalidDashboardRequestError({ parameter: 'body', reason: 'must be a JSON object' });
  return parsed;
}

function sessionsFilter(c: Context): SessionsFilter {
  const status = c.req.query('status') || undefined;
  if (status !== undefined && !STATUSES.includes(status as DirectoryStatus)) {
    throw new InvalidDashboardRequestError({ parameter: 'status', value: status, reason: `must be ${STATUSES.join(', ')} (or empty for sessions by activity)` });
  }
  const time = (parameter: 'since' | 'before'): string | undefined => {
    const value = c.req.query(parameter) || undefined;
    if (value !== undefined && !Number.isFinite(Date.parse(value))) throw new InvalidDashboardRequestError({ parameter, value, reason: 'must be a date and time, e.g. 2024-05-01T12:00:00Z' });
    return value;
  };
  const limitText = c.req.query('limit') || undefined;
  const limit = limitText === undefined ? DEFAULT_LIMIT : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new InvalidDashboardRequestError({ parameter: 'limit', value: limitText, reason: 'must be an integer from 1 to 1000' });
  return { status: status as DirectoryStatus | undefined, since: time('since'), before: time('before'), limit, cursor: c.req.query('cursor') || undefined };
}

function directoryQuery(filter: SessionsFilter): DirectoryQuery {
  return {
    since: filter.since === undefined ? undefined : new Date(filter.since),
    before: filter.before === undefined ? undefined : new Date(filter.before),
    limit: filter.limit,
    cursor: filter.cursor,
  };
}
