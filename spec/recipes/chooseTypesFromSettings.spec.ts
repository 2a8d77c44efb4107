import { expect } from 'chai';
import { Manager, Storage, StorageBackend, TriggerManager, UnknownManagerError, UnknownStorageError, createTriggersContainer, getManager } from '../../src';
import type { SessionSnapshot, TaskInstance } from '../../src';
import { ThreadingTaskRunner, createTestContainer, expectInstance } from '../../src/testing';
import { expectRejection } from '../support/rejection';

/**
 * A recipe (docs/firing.md): "choose manager and storage types at run time by
 * registered name (from settings)". The settings are plain strings, as they
 * come from a file or the environment; nothing but registered names is used.
 */

/** A manager type a deployment may pick: it records the cascades it saw (also those run by the runner). */
@Manager('RecipeSpecAuditing')
class RecipeSpecAuditingManager extends TriggerManager {
  static readonly fired: string[] = [];

  protected override postFire(trigger: string, scheduled: TaskInstance[]): void {
    RecipeSpecAuditingManager.fired.push(`${this.storage.uid} ${trigger} [${scheduled.map((i) => i.name).join(',')}]`);
  }
}

/** A storage type a deployment may pick: one JSON document per session. */
@Storage('RecipeSpecDocuments')
class RecipeSpecDocumentStorage extends StorageBackend {
  static readonly documents = new Map<string, string>();

  protected override async loadSnapshot(): Promise<SessionSnapshot | undefined> {
    const json = RecipeSpecDocumentStorage.documents.get(this.uid);
    return json === undefined ? undefined : (JSON.parse(json) as SessionSnapshot);
  }

  protected override async saveSnapshot(snapshot: SessionSnapshot): Promise<void> {
    RecipeSpecDocumentStorage.documents.set(this.uid, JSON.stringify(snapshot));
  }
}

/** What an application reads from its settings file. */
const settings: { manager: string; storage: string } = JSON.parse('{"manager":"RecipeSpecAuditing","storage":"RecipeSpecDocuments"}');

describe('recipe: choose manager and storage by registered name from settings', () => {
  it('getManager(container, uid, settings) builds the named types, and the runner rebuilds the same ones for cascades', async () => {
    const manager = getManager(createTestContainer(), 'recipe-settings-1', settings);
    expect(manager).to.be.instanceOf(RecipeSpecAuditingManager);
    expect(manager.storage).to.be.instanceOf(RecipeSpecDocumentStorage);
    await manager.updateConfiguration({
      t_a: { after: ['go'], run: 'PassThruTask' },
      t_b: { after: ['t_a'], run: 'PassThruTask' },
    });
    await manager.fire('go', { n: 1 });
    await ThreadingTaskRunner.joinAll();
    await expectInstance(manager, 't_b#0').finished({ t_a: { go: { n: 1 } } });
    expect(RecipeSpecAuditingManager.fired.filter((line) => line.startsWith('recipe-settings-1 '))).to.deep.equal([
      'recipe-settings-1 go [t_a#0]',
      'recipe-settings-1 t_a [t_b#0]',
      'recipe-settings-1 t_b []',
    ]);
    const document = JSON.parse(RecipeSpecDocumentStorage.documents.get('recipe-settings-1') ?? '{}') as SessionSnapshot;
    expect(Object.keys(document.instances).sort()).to.deep.equal(['t_a#0', 't_b#0']);
  });

  it('the same names may be the container defaults (createTriggersContainer({ defaultManager, defaultStorage }))', async () => {
    const container = createTestContainer({ defaultManager: settings.manager, defaultStorage: settings.storage });
    const manager = getManager(container, 'recipe-settings-2');
    expect(manager).to.be.instanceOf(RecipeSpecAuditingManager);
    expect(manager.storage).to.be.instanceOf(RecipeSpecDocumentStorage);
  });

  it('a misspelt setting is refused by name, listing the registered ones, before anything is saved', async () => {
    const container = createTriggersContainer();
    await expectRejection(() => getManager(container, 'recipe-settings-3', { manager: 'RecipeSpecAuditng' }), UnknownManagerError, '"RecipeSpecAuditng"', 'RecipeSpecAuditing');
    await expectRejection(() => getManager(container, 'recipe-settings-3', { storage: 'RecipeSpecDocs' }), UnknownStorageError, '"RecipeSpecDocs"', 'RecipeSpecDocuments');
    expect(RecipeSpecDocumentStorage.documents.has('recipe-settings-3')).to.equal(false);
  });
});
