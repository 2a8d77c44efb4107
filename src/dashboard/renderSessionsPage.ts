import { ALL_TASK_STATUSES } from '../model';
import type { DirectoryCounts, DirectoryInstance, DirectoryPage, DirectorySession, DirectoryStatus } from '../storage/StorageDirectory';
import { escapeHtml } from './escapeHtml';
import { renderLayout } from './renderLayout';

/** The filters of the sessions page, as given in its query string. */
export interface SessionsFilter {
  status?: DirectoryStatus;
  since?: string;
  before?: string;
  limit?: number;
  cursor?: string;
}

/** What {@link renderSessionsPage} shows: a page of the directory, or nothing when the storage keeps none. */
export interface SessionsPageInput {
  basePath: string;
  nonce: string;
  filter: SessionsFilter;
  listing?:
    | { kind: 'sessions'; page: DirectoryPage<DirectorySession> }
    | { kind: 'instances'; page: DirectoryPage<DirectoryInstance> };
  /** Instances per task and status, shown under the listing. */
  counts?: DirectoryCounts;
}

/** The query string of `filter` (empty values left out). */
export function sessionsQuery(filter: SessionsFilter): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filter)) if (value !== undefined && value !== '') params.set(key, String(value));
  const text = params.toString();
  return text.length === 0 ? '' : `?${text}`;
}

/** The counts table: a row per task, a column per status present, and the totals. */
function renderCounts(counts: DirectoryCounts): string {
  if (counts.tasks.length === 0) return '<section><h2>Instances per task and status</h2><p class="readonly">No instances.</p></section>';
  const statuses = ALL_TASK_STATUSES.filter((status) => counts.total[status] !== undefined).sort();
  const row = (name: string, of: DirectoryCounts['total']): string =>
    `<tr><td class="mono">${escapeHtml(name)}</td>${statuses.map((status) => `<td>${of[status] ?? 0}</td>`).join('')}</tr>`;
  const head = `<tr><th>task</th>${statuses.map((status) => `<th>${status}</th>`).join('')}</tr>`;
  const rows = [...counts.tasks.map((entry) => row(entry.task, entry.counts)), row('(total)', counts.total)];
  return `<section><h2>Instances per task and status</h2><table id="counts"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table></section>`;
}

/** The sessions page: open a session by uid; with a directory, sessions by activity or instances by status, filtered by time, a page at a time, and the instance counts per task and status. */
export function renderSessionsPage(input: SessionsPageInput): string {
  const { basePath, filter } = input;
  const sessionHref = (uid: string): string => `${basePath}/session?uid=${encodeURIComponent(uid)}`;
  const open = `<section><h2>Open a session</h2><form class="inline" method="get" action="${escapeHtml(`${basePath}/session`)}">
<label>uid <input name="uid" required size="40" autocomplete="off"></label><button type="submit">Open</button></form></section>`;
  if (input.listing === undefined) {
    return renderLayout({
      title: 'Sessions',
      basePath,
      nonce: input.nonce,
      body: `<p class="notice" id="no-directory">This storage keeps no directory of sessions, so they cannot be listed here: open a session by its uid.</p>${open}`,
    });
  }
  const option = (value: string, label: string): string =>
    `<option value="${value}"${(filter.status ?? '') === value ? ' selected' : ''}>${label}</option>`;
  const filters = `<form class="inline" id="filters" method="get" action="${escapeHtml(`${basePath}/`)}">
<label>show <select name="status">${option('', 'sessions by last activity')}${option('failed', 'failed instances')}${option('running', 'running instances')}${option('scheduled', 'scheduled instances')}</select></label>
<label>since <input name="since" placeholder="2024-05-01T00:00Z" value="${escapeHtml(filter.since ?? '')}"></label>
<label>before <input name="before" placeholder="ISO time" value="${escapeHtml(filter.before ?? '')}"></label>
<label>per page <input name="limit" type="number" min="1" max="1000" value="${filter.limit ?? 50}"></label>
<button type="submit">Filter</button></form>`;
  const listing = input.listing;
  const rows =
    listing.kind === 'sessions'
      ? listing.page.entries.map((entry) => `<tr data-uid="${escapeHtml(entry.uid)}"><td><a class="mono" href="${escapeHtml(sessionHref(entry.uid))}">${escapeHtml(entry.uid)}</a></td><td><time>${entry.lastActivity.toISOString()}</time></td></tr>`)
      : listing.page.entries.map(
          (entry) =>
            `<tr data-uid="${escapeHtml(entry.uid)}"><td><a class="mono" href="${escapeHtml(sessionHref(entry.uid))}">${escapeHtml(entry.uid)}</a></td><td class="mono">${escapeHtml(entry.instance)}</td><td><time>${entry.since.toISOString()}</time></td></tr>`,
        );
  const head = listing.kind === 'sessions' ? '<tr><th>session</th><th>last activity</th></tr>' : `<tr><th>session</th><th>instance</th><th>${escapeHtml(filter.status ?? '')} since</th></tr>`;
  const next =
    listing.page.next === undefined
      ? '<span class="readonly">last page</span>'
      : `<a id="next-page" href="${escapeHtml(`${basePath}/${sessionsQuery({ ...filter, cursor: listing.page.next })}`)}">next page →</a>`;
  const first = filter.cursor === undefined ? '' : `<a href="${escapeHtml(`${basePath}/${sessionsQuery({ ...filter, cursor: undefined })}`)}">← first page</a> · `;
  const table =
    rows.length === 0 ? '<p class="readonly">Nothing matches.</p>' : `<table id="listing"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table>`;
  return renderLayout({
    title: 'Sessions',
    basePath,
    nonce: input.nonce,
    body: `${open}<section><h2>${listing.kind === 'sessions' ? 'Sessions, oldest activity first' : `${escapeHtml(filter.status ?? '')} instances, longest first`}</h2>${filters}${table}<p class="pager">${first}${next}</p></section>${input.counts === undefined ? '' : renderCounts(input.counts)}`,
  });
}
