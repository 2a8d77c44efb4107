import { expect } from 'chai';
import type { Container } from 'inversify';
import { Manager, TriggerManager, closeTriggersContainer, getManager } from '../../src';
import type { TaskInstance, TaskStatus } from '../../src';
import { ThreadingTaskRunner, createTestContainer } from '../../src/testing';
import { sharedRedis, uniquePrefix } from '../support/sharedRedis';

/** Status changes per session uid, as `instance: previous -> status`, with the other hooks in between. */
const seen = new Map<string, string[]>();

function note(uid: string, line: string): void {
  if (!seen.has(uid)) seen.set(uid, []);
  seen.get(uid)?.push(line);
}

/** Records every status change it is told of, and whether the lock was still held then. */
@Manager('MgrSpecStatusWatcher')
class StatusWatcher extends TriggerManager {
  protected override postStatusChange(instance: TaskInstance, previous: TaskStatus): void {
    note(this.storage.uid, `${instance.name}: ${previous} -> ${instance.status}${this.storage.isLockedHere ? ' LOCKED' : ''}`);
  }

  protected override postFire(trigger: string): void {
    note(this.storage.uid, `postFire ${trigger}`);
  }
}
void StatusWatcher;

const CONFIG = {
  t_ok: { after: ['go'], run: 'PassThruTask' },
  t_next: { after: ['t_ok'], run: 'DevNullTask' },
  t_fail: { after: ['go'], run: 'FailingTask' },
  t_never: { after: ['go', 'later'], unless: ['stop'], run: 'PassThruTask' },
};

const STORAGES: Array<[string, () => Promise<Container>]> = [
  ['memory', async () => createTestContainer()],
  ['redis', async () => createTestContainer({ redis: (await sharedRedis()).url, prefix: uniquePrefix('status') })],
];

for (const [storage, makeContainer] of STORAGES) {
  describe(`manager: postStatusChange (${storage} storage)`, () => {
    let container: Container;
    beforeEach(async () => {
      container = await makeContainer();
    });
    afterEach(() => closeTriggersContainer(container));

    it('hears of every change a workflow makes, in order, outside the lock, before postFire', async () => {
      const manager = getManager(container, `watch-${storage}`, { manager: 'MgrSpecStatusWatcher' });
      await manager.updateConfiguration(CONFIG);
      await manager.fire('go');
      await ThreadingTaskRunner.joinAll();
      await manager.fire('stop');
      const lines = seen.get(manager.storage.uid) ?? [];
      expect(lines.filter((line) => line.includes('LOCKED'))).to.deep.equal([]);
      // The fire's own changes come before its postFire.
      expect(lines.slice(0, 3)).to.deep.equal(['t_ok#0: unstarted -> scheduled', 't_fail#0: unstarted -> scheduled', 'postFire go']);
      for (const expected of [
        't_ok#0: scheduled -> running',
        't_ok#0: running -> finished',
        't_next#0: unstarted -> scheduled',
        'postFire t_ok',
        't_next#0: scheduled -> running',
        't_next#0: running -> finished',
        't_fail#0: scheduled -> running',
        't_fail#0: running -> failed',
        't_never#0: unstarted -> abandoned',
      ]) {
        expect(lines, expected).to.include(expected);
      }
      expect(lines.indexOf('t_ok#0: running -> finished')).to.be.lessThan(lines.indexOf('t_next#0: unstarted -> scheduled'));
      expect(lines.indexOf('t_next#0: unstarted -> scheduled')).to.be.lessThan(lines.indexOf('postFire t_ok'));
    });

    it('hears of replays, skips and manual changes', async () => {
      const manager = getManager(container, `recover-${storage}`, { manager: 'MgrSpecStatusWatcher' });
      await manager.updateConfiguration(CONFIG);
      await manager.fire('go');
      await ThreadingTaskRunner.joinAll();
      seen.delete(manager.storage.uid);
      await manager.replayFailedInstance('t_fail#0');
      await ThreadingTaskRunner.joinAll();
      await manager.skipFailedInstance('t_fail#1');
      await manager.updateInstanceStatus('t_ok#0', 'failed');
      expect(seen.get(manager.storage.uid)).to.deep.equal([
        't_fail#0: failed -> replayed',
        't_fail#1: unstarted -> scheduled',
        't_fail#1: scheduled -> running',
        't_fail#1: running -> failed',
        't_fail#1: failed -> skipped',
        't_ok#0: finished -> failed',
      ]);
    });
  });
}
