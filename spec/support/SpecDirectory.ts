import type { Container } from 'inversify';
import { getManager } from '../../src';
import type { DashboardDirectory, DashboardDirectoryPage, DashboardDirectoryQuery, DashboardDirectoryStatus, TaskInstance } from '../../src';

/**
 * A dashboard directory over the sessions a spec created (their uids given
 * up front), read through the storage's inspection API: enough to test the
 * dashboard's listing, filters and paging until storages keep a directory of
 * their own. The cursor is the offset of the next entry.
 */
export class SpecDirectory implements DashboardDirectory {
  constructor(
    private readonly container: Container,
    private readonly uids: readonly string[],
  ) {}

  async instancesByStatus(status: DashboardDirectoryStatus, query: DashboardDirectoryQuery = {}): Promise<DashboardDirectoryPage<{ uid: string; instance: string; since: Date }>> {
    const entries: Array<{ uid: string; instance: string; since: Date }> = [];
    for (const uid of this.uids) {
      for (const instance of await this.instancesOf(uid)) {
        const at = instance.metadata.timestamps?.[status];
        if (instance.status === status && at !== undefined) entries.push({ uid, instance: instance.name, since: new Date(at) });
      }
    }
    return SpecDirectory.page(entries, (entry) => entry.since, query);
  }

  async sessionsByActivity(query: DashboardDirectoryQuery = {}): Promise<DashboardDirectoryPage<{ uid: string; lastActivity: Date }>> {
    const entries: Array<{ uid: string; lastActivity: Date }> = [];
    for (const uid of this.uids) {
      const stamps = (await this.instancesOf(uid)).map((instance) => Date.parse(instance.metadata.timestamps?.lastModified ?? ''));
      if (stamps.length > 0) entries.push({ uid, lastActivity: new Date(Math.max(...stamps)) });
    }
    return SpecDirectory.page(entries, (entry) => entry.lastActivity, query);
  }

  private instancesOf(uid: string): Promise<TaskInstance[]> {
    return getManager(this.container, uid).storage.getInstances();
  }

  private static page<T>(entries: T[], dateOf: (entry: T) => Date, query: DashboardDirectoryQuery): DashboardDirectoryPage<T> {
    const selected = entries
      .filter((entry) => (query.since === undefined || dateOf(entry) >= query.since) && (query.before === undefined || dateOf(entry) < query.before))
      .sort((a, b) => dateOf(a).getTime() - dateOf(b).getTime());
    const offset = query.cursor === undefined ? 0 : Number(query.cursor);
    const limit = query.limit ?? 100;
    const next = offset + limit < selected.length ? String(offset + limit) : undefined;
    return { entries: selected.slice(offset, offset + limit), next };
  }
}
