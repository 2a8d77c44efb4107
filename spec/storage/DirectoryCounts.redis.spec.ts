import { expect } from 'chai';
import type { Container } from 'inversify';
import { TaskStatus, getManager } from '../../src';
import type { DirectoryCounts, StatusCounts, StorageDirectory, TriggerConfiguration, TriggerManager } from '../../src';
import { ThreadingTaskRunner, createTestContainer } from '../../src/testing';
import { SeededRandom } from '../support/SeededRandom';
import { closeRedisContainers, redisTestContainer } from '../support/redisContainers';

const CONFIG: TriggerConfiguration = {
  t_ok: { after: ['a'], run: 'DevNullTask' },
  t_join: { after: ['a', 'b'], run: 'DevNullTask' },
  t_fail: { after: ['b'], run: 'FailingTask' },
  t_next: { after: ['t_ok'], run: 'DevNullTask' },
  t_every: { after: ['c'], andEvery: 'c', run: 'DevNullTask' },
  t_stop: { after: ['d'], unless: ['e'], run: 'DevNullTask' },
};

const BACKENDS: Array<[string, () => Promise<Container>]> = [
  ['memory', async () => createTestContainer()],
  ['redis', () => redisTestContainer({ defaultStorage: 'redis' })],
];

function directoryOf(manager: TriggerManager): StorageDirectory {
  const directory = manager.storage.directory();
  if (directory === undefined) throw new Error('no directory');
  return directory;
}

/** The counts recomputed from every instance record of `managers`' sessions. */
async function recount(managers: TriggerManager[]): Promise<DirectoryCounts> {
  const byTask = new Map<string, StatusCounts>();
  const total: StatusCounts = {};
  for (const manager of managers) {
    for (const instance of await manager.storage.getInstances()) {
      const counts = byTask.get(instance.taskName) ?? {};
      byTask.set(instance.taskName, counts);
      counts[instance.status] = (counts[instance.status] ?? 0) + 1;
      total[instance.status] = (total[instance.status] ?? 0) + 1;
    }
  }
  const tasks = [...byTask.keys()].sort().map((task) => ({ task, counts: byTask.get(task) ?? {} }));
  return { tasks, total };
}

for (const [backend, containerOf] of BACKENDS) {
  describe(`storage: StorageDirectory.counts on ${backend} storage (instances per task and status)`, function () {
    this.timeout(30_000);
    afterEach(async () => {
      await ThreadingTaskRunner.joinAll();
      await closeRedisContainers();
    });

    it('counts each task per status across sessions, and follows replays, skips and deleted sessions', async () => {
      const container = await containerOf();
      const one = getManager(container, 'counts-1');
      const two = getManager(container, 'counts-2');
      for (const manager of [one, two]) await manager.updateConfiguration(CONFIG);
      const directory = directoryOf(one);
      expect(await directory.counts()).to.deep.equal({ tasks: [], total: {} });

      await one.fire('a');
      await ThreadingTaskRunner.joinAll();
      // t_ok finished and its cascade t_next finished; t_join waits for b.
      expect(await directory.counts()).to.deep.equal({
        tasks: [
          { task: 't_join', counts: { unstarted: 1 } },
          { task: 't_next', counts: { finished: 1 } },
          { task: 't_ok', counts: { finished: 1 } },
        ],
        total: { finished: 2, unstarted: 1 },
      });

      await one.fire('b');
      await two.fire('b');
      await two.fire('e');
      await two.fire('d');
      await ThreadingTaskRunner.joinAll();
      const both = await directory.counts();
      expect(both.tasks.find((entry) => entry.task === 't_fail')?.counts).to.deep.equal({ failed: 2 });
      expect(both.tasks.find((entry) => entry.task === 't_join')?.counts).to.deep.equal({ finished: 1, unstarted: 1 });
      expect(both.tasks.find((entry) => entry.task === 't_stop')?.counts).to.deep.equal({ abandoned: 1 });
      expect(both).to.deep.equal(await recount([one, two]));

      await one.replayFailedInstance('t_fail#0');
      await ThreadingTaskRunner.joinAll();
      await two.skipFailedInstance('t_fail#0');
      await ThreadingTaskRunner.joinAll();
      const after = await directory.counts();
      const fail = after.tasks.find((entry) => entry.task === 't_fail')?.counts;
      // The replayed instance is replayed, its replacement failed again; the skipped one is skipped.
      expect(fail).to.deep.equal({ failed: 1, replayed: 1, skipped: 1 });
      expect(after).to.deep.equal(await recount([one, two]));

      await two.storage.deleteSession();
      expect(await directory.counts()).to.deep.equal(await recount([one]));
      await one.storage.deleteSession();
      expect(await directory.counts()).to.deep.equal({ tasks: [], total: {} });
    });

    it('equals a recount from the records after a random workload (seeded)', async () => {
      const random = new SeededRandom(1214);
      const container = await containerOf();
      const managers: TriggerManager[] = [];
      for (let i = 0; i < 4; i += 1) {
        const manager = getManager(container, `random-${i}`);
        await manager.updateConfiguration(CONFIG);
        managers.push(manager);
      }
      const triggers = ['a', 'b', 'c', 'd', 'e'];
      for (let step = 0; step < 60; step += 1) {
        const manager = random.pick(managers);
        const roll = random.next();
        if (roll < 0.75) {
          await manager.fire(random.pick(triggers), { step });
        } else {
          await ThreadingTaskRunner.joinAll();
          const failed = (await manager.storage.getInstances()).filter((instance) => instance.status === TaskStatus.Failed);
          if (failed.length > 0 && roll < 0.85) await manager.replayFailedInstance(random.pick(failed).name);
          else if (failed.length > 0 && roll < 0.95) await manager.skipFailedInstance(random.pick(failed).name);
          else if (roll >= 0.95) await manager.storage.deleteSession();
        }
      }
      await ThreadingTaskRunner.joinAll();
      const counts = await directoryOf(managers[0]).counts();
      expect(counts.total).to.not.deep.equal({});
      expect(counts).to.deep.equal(await recount(managers));
      // The listings, kept by the same writes (only on status changes), agree with the records too.
      const failed: string[] = [];
      for (const manager of managers) {
        for (const instance of await manager.storage.getInstances()) if (instance.status === TaskStatus.Failed) failed.push(`${manager.storage.uid} ${instance.name}`);
      }
      const listed = (await directoryOf(managers[0]).instancesByStatus(TaskStatus.Failed, { limit: 1000 })).entries;
      expect(listed.map((entry) => `${entry.uid} ${entry.instance}`).sort()).to.deep.equal(failed.sort());
    });
  });
}
