import { expect } from 'chai';
import { Storage, StorageBackend, StorageNotImplementedError, getManager } from '../../src';
import type { SessionSnapshot } from '../../src';
import { ThreadingTaskRunner, createTestContainer, expectInstance, expectUnresolvedInstances, expectUnresolvedTasks } from '../../src/testing';
import { fireAll, newSession } from '../support/fixtures';
import { expectRejection } from '../support/rejection';

/** A "simple" custom backend: the whole session as one JSON string in a Map, nothing else overridden. */
@Storage('coreSpecJsonMap')
export class CoreSpecJsonMapStorage extends StorageBackend {
  static readonly documents = new Map<string, string>();
  static saves = 0;

  protected override async loadSnapshot(): Promise<SessionSnapshot | undefined> {
    const json = CoreSpecJsonMapStorage.documents.get(this.uid);
    return json === undefined ? undefined : (JSON.parse(json) as SessionSnapshot);
  }

  protected override async saveSnapshot(snapshot: SessionSnapshot): Promise<void> {
    CoreSpecJsonMapStorage.saves += 1;
    CoreSpecJsonMapStorage.documents.set(this.uid, JSON.stringify(snapshot));
  }
}

/** A backend that forgot to implement anything. */
@Storage('coreSpecForgetful')
export class CoreSpecForgetfulStorage extends StorageBackend {}

let uids = 0;
function uid(): string {
  uids += 1;
  return `core-spec-custom-${process.pid}-${uids}`;
}

describe('storage: a custom snapshot backend', () => {
  it('runs a whole workflow: chain, andEvery, unless, failure, replay and skip', async () => {
    const { manager } = await newSession(
      {
        t_import: { after: ['start'], run: 'PassThruTask' },
        t_page: { after: ['t_import'], andEvery: 'page', run: 'PassThruTask' },
        t_browser: { after: ['t_import', 'page'], unless: ['embedded'], run: 'DevNullTask' },
        t_flaky: { after: ['t_import'], run: 'FailingTask' },
        t_after_flaky: { after: ['t_flaky'], run: 'PassThruTask' },
        t_never: { after: ['start', 'end'], unless: ['embedded'], run: 'DevNullTask' },
      },
      { storage: 'coreSpecJsonMap', uid: uid() },
    );
    expect(manager.storage).to.be.instanceOf(CoreSpecJsonMapStorage);
    await fireAll(manager, [['start', { id: 7 }], 'embedded', ['page', { p: 1 }], ['page', { p: 2 }]]);

    await expectInstance(manager, 't_import#0').finished({ start: { id: 7 } });
    await expectInstance(manager, 't_page#0').finished({ t_import: { start: { id: 7 } }, page: { p: 1 } });
    await expectInstance(manager, 't_page#1').finished({ t_import: { start: { id: 7 } }, page: { p: 2 } });
    await expectInstance(manager, 't_browser#0').abandoned();
    await expectInstance(manager, 't_never#0').abandoned();
    await expectInstance(manager, 't_flaky#0').failed('DeliberateFailure');
    await expectUnresolvedTasks(manager, ['t_after_flaky', 't_flaky']);

    await manager.replayFailedInstance('t_flaky#0');
    await ThreadingTaskRunner.joinAll();
    await expectInstance(manager, 't_flaky#0').replayed();
    await expectInstance(manager, 't_flaky#1').failed('DeliberateFailure');
    await manager.skipFailedInstance('t_flaky#1', { cascade: true, result: { skipped: true } });
    await ThreadingTaskRunner.joinAll();
    await expectInstance(manager, 't_after_flaky#0').finished({ t_flaky: { skipped: true } });
    await expectUnresolvedTasks(manager, []);
    await expectUnresolvedInstances(manager, []);

    // Everything lives in the one JSON document.
    const document = JSON.parse(CoreSpecJsonMapStorage.documents.get(manager.storage.uid) as string) as SessionSnapshot;
    expect(Object.keys(document.instances)).to.have.length(8);
    expect(document.latestKwargs.page).to.deep.equal({ p: 2 });
    expect(document.instanceCounts.t_page).to.equal(2);
  });

  it('serves a second manager (and container) over the same document', async () => {
    const sessionUid = uid();
    const { manager } = await newSession({ t_a: { after: ['go'], run: 'PassThruTask' } }, { storage: 'coreSpecJsonMap', uid: sessionUid });
    await fireAll(manager, [['go', { n: 1 }]]);
    const elsewhere = getManager(createTestContainer(), sessionUid, { storage: 'coreSpecJsonMap' });
    await expectInstance(elsewhere, 't_a#0').finished({ go: { n: 1 } });
  });

  it('loses no update when operations race (the lock reloads the snapshot)', async () => {
    const { manager } = await newSession({ t_a: { after: [], andEvery: 'page', run: 'DevNullTask' } }, { storage: 'coreSpecJsonMap', uid: uid() });
    await Promise.all(Array.from({ length: 10 }, (_, i) => manager.fire('page', { i })));
    await ThreadingTaskRunner.joinAll();
    const instances = await manager.storage.instancesOfTask('t_a');
    expect(instances.map((instance) => instance.status)).to.deep.equal(Array(10).fill('finished'));
  });

  it('saves nothing when an operation is refused', async () => {
    const { manager } = await newSession({ t_a: { after: ['a', 'b'], run: 'DevNullTask' } }, { storage: 'coreSpecJsonMap', uid: uid() });
    const before = CoreSpecJsonMapStorage.documents.get(manager.storage.uid);
    const saves = CoreSpecJsonMapStorage.saves;
    await expectRejection(manager.fire('a', { bad: () => 1 }), Error, 'bad');
    expect(CoreSpecJsonMapStorage.saves).to.equal(saves);
    expect(CoreSpecJsonMapStorage.documents.get(manager.storage.uid)).to.equal(before);
  });

  it('deleteSession() empties the document', async () => {
    const { manager } = await newSession({ t_a: { after: ['go'], run: 'DevNullTask' } }, { storage: 'coreSpecJsonMap', uid: uid() });
    await fireAll(manager, ['go']);
    await manager.storage.deleteSession();
    expect(await manager.storage.getTasks()).to.deep.equal({});
    expect(await manager.storage.getInstances()).to.deep.equal([]);
    expect(await manager.storage.getLatestKwargs()).to.deep.equal({});
  });

  it('a backend implementing nothing fails with StorageNotImplementedError naming the missing method', async () => {
    const manager = getManager(createTestContainer(), uid(), { storage: 'coreSpecForgetful' });
    await expectRejection(manager.storage.getTasks(), StorageNotImplementedError, 'CoreSpecForgetfulStorage', 'loadSnapshot');
  });
});
