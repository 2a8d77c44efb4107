import { Storage, StorageBackend } from '../../src';
import type { SessionSnapshot } from '../../src';

/**
 * The simplest custom backend, registered as `specSnapshots`: whole
 * snapshots in a map. It offers none of the optional capabilities (no
 * atomic step, no directory, no remembered operations), which is what the
 * specs that use it check the framework's answer to.
 */
@Storage('specSnapshots')
export class SnapshotStorage extends StorageBackend {
  private static readonly documents = new Map<string, SessionSnapshot>();

  protected override async loadSnapshot(): Promise<SessionSnapshot | undefined> {
    return SnapshotStorage.documents.get(this.uid);
  }

  protected override async saveSnapshot(snapshot: SessionSnapshot): Promise<void> {
    SnapshotStorage.documents.set(this.uid, structuredClone(snapshot));
  }
}
