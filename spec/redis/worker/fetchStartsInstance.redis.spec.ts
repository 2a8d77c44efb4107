import { expect } from 'chai';
import { recordHintText } from '../../../src/redis/bullmq/BullMQJobData';
import type { BullMQJobData } from '../../../src/redis/bullmq/BullMQJobData';
import { BullMQTaskRunner, Task, TaskInstance, TriggerTask } from '../../../src';
import type { InstanceRecord, JobCompletedEvent, JobFailedEvent, Kwargs, RedisStorageBackend, TaskContext, TriggerWorker } from '../../../src';
import { bullmqContainer, bullmqSession, closeBullmq, completedJob, failedJob, startWorker } from '../../support/bullmqFixtures';
import { commandsSent, connectionOf, recordTaken } from '../../support/redisContainers';
import { uniquePrefix } from '../../support/sharedRedis';

/** Each instance's stored record text as its task saw it while running, by instance name. */
const seenWhileRunning = new Map<string, string>();

/** Reads its own stored record (raw text) while it runs, and passes its trigger kwargs on. */
@TriggerTask({ name: 'SOF_Probe' })
class StartOnFetchProbeTask extends Task {
  async run(ctx: TaskContext): Promise<Kwargs> {
    const storage = ctx.manager.storage as RedisStorageBackend;
    seenWhileRunning.set(ctx.instanceName, (await storage.connection.redis.hget(storage.keys.instances, ctx.instanceName)) ?? '');
    return { from: ctx.instanceName, passed: ctx.triggerKwargs };
  }
}
void StartOnFetchProbeTask;

/** Kwargs whose JSON text must reach `actualKwargs` byte for byte. */
const AWKWARD = { text: 'é ☃ 🎉 \u2028', big: 1e21, third: 0.1 + 0.2, empties: { list: [], object: {} }, nested: [[[]], { a: null }] };

/** The payloads of the jobs the worker completed, by instance name, once `count` completed. */
function completedPayloads(worker: TriggerWorker, count: number): Promise<Map<string, JobCompletedEvent['payload']>> {
  const payloads = new Map<string, JobCompletedEvent['payload']>();
  return new Promise((resolve) => {
    worker.on('completed', (event: JobCompletedEvent) => {
      payloads.set(event.payload.instance, event.payload);
      if (payloads.size === count) resolve(payloads);
    });
  });
}

describe('TriggerWorker: BullMQ’s fetch of a job also starts its instance', () => {
  afterEach(async () => {
    seenWhileRunning.clear();
    await closeBullmq();
  });

  it('starts each fetched instance in the fetch (an idle worker’s, or the completion of the previous job), writing exactly the record the worker’s own start writes', async () => {
    const { container } = await bullmqContainer({ defaultStorage: 'redis' });
    const taken = recordTaken(connectionOf(container), 'takeFetchedStart');
    const manager = await bullmqSession(container, {
      t_1: { after: ['go'], run: 'SOF_Probe' },
      t_2: { after: ['t_1'], run: 'SOF_Probe' },
      t_3: { after: ['t_2'], run: 'SOF_Probe' },
    });
    const worker = await startWorker(container);
    const completed = completedPayloads(worker, 3);
    await manager.fire('go', AWKWARD);
    const payloads = await completed;

    // t_1 was fetched by the idle worker (BullMQ's moveToActive), t_2 and t_3 by the completion of the one before.
    expect(taken).to.deep.equal(['t_1#0', 't_2#0', 't_3#0']);
    const tasks = await manager.storage.getTasks();
    for (const name of ['t_1#0', 't_2#0', 't_3#0']) {
      const seen = seenWhileRunning.get(name) as string;
      const running = JSON.parse(seen) as InstanceRecord;
      expect(running.status, name).to.equal('running');
      // What TaskInstance.start() computes from the record the job carried, at the stamped time.
      const scheduled = TaskInstance.fromRecord(JSON.parse(recordHintText((payloads.get(name) as BullMQJobData | undefined)?.record) as string) as InstanceRecord, tasks[running.task]);
      scheduled.start(new Date(running.metadata.timestamps?.running as string));
      expect(seen, name).to.equal(JSON.stringify(scheduled.toRecord()));
    }
    const t3 = await manager.storage.getInstance('t_3#0');
    expect(t3.status).to.equal('finished');
    expect((t3.metadata.result as { passed: Kwargs }).passed).to.deep.equal({ t_2: { from: 't_2#0', passed: { t_1: { from: 't_1#0', passed: { go: AWKWARD } } } } });
  });

  it('starts a task with withParams there too when they share no top-level key with the kwargs, merged exactly as the worker would', async () => {
    const { container } = await bullmqContainer({ defaultStorage: 'redis' });
    const taken = recordTaken(connectionOf(container), 'takeFetchedStart');
    const manager = await bullmqSession(container, {
      t_1: { after: ['go'], run: 'SOF_Probe' },
      t_params: { after: ['t_1'], run: 'SOF_Probe', withParams: { extra: { fromParams: true, list: [1e21, 'é'] }, other: {} } },
    });
    const worker = await startWorker(container);
    const completed = completedPayloads(worker, 2);
    await manager.fire('go', AWKWARD);
    const payloads = await completed;
    expect(taken).to.deep.equal(['t_1#0', 't_params#0']);
    const seen = seenWhileRunning.get('t_params#0') as string;
    const running = JSON.parse(seen) as InstanceRecord;
    const scheduled = TaskInstance.fromRecord(JSON.parse(recordHintText((payloads.get('t_params#0') as BullMQJobData | undefined)?.record) as string) as InstanceRecord, (await manager.storage.getTasks()).t_params);
    scheduled.start(new Date(running.metadata.timestamps?.running as string));
    expect(seen).to.equal(JSON.stringify(scheduled.toRecord()));
    expect(running.metadata.actualKwargs).to.deep.equal({ extra: { fromParams: true, list: [1e21, 'é'] }, other: {}, t_1: { from: 't_1#0', passed: { go: AWKWARD } } });
  });

  it('leaves withParams that share a key with the kwargs (a recursive merge) to the worker’s own start, which merges them', async () => {
    const { container } = await bullmqContainer({ defaultStorage: 'redis' });
    const taken = recordTaken(connectionOf(container), 'takeFetchedStart');
    const manager = await bullmqSession(container, {
      t_1: { after: ['go'], run: 'SOF_Probe' },
      t_params: { after: ['t_1'], run: 'SOF_Probe', withParams: { t_1: { fromParams: true } } },
    });
    const worker = await startWorker(container);
    const completed = completedPayloads(worker, 2);
    await manager.fire('go', { n: 1 });
    await completed;
    expect(taken).to.deep.equal(['t_1#0']);
    const params = await manager.storage.getInstance('t_params#0');
    expect(params.metadata.actualKwargs).to.deep.equal({ t_1: { fromParams: true, from: 't_1#0', passed: { go: { n: 1 } } } });
  });

  it('leaves an instance whose record changed since its job was added to the worker, which starts it from the current record', async () => {
    const { container } = await bullmqContainer({ defaultStorage: 'redis' });
    const taken = recordTaken(connectionOf(container), 'takeFetchedStart');
    const config = { t_1: { after: ['go'], run: 'SOF_Probe' }, t_2: { after: ['t_1'], run: 'SOF_Probe' } };
    const first = await bullmqSession(container, config);
    const changed = await bullmqSession(container, { t_x: { after: ['go'], run: 'SOF_Probe' } });
    // Queued in this order: first's t_1, then changed's t_x, whose record is edited while it waits.
    await first.fire('go');
    await changed.fire('go');
    await changed.updateInstanceMetadata('t_x#0', { note: 'edited while queued' });
    let completed!: Promise<unknown>;
    await startWorker(container, {}, (worker) => (completed = completedPayloads(worker, 3)));
    await completed;
    // t_x was fetched by t_1's completion but not started there; t_1 (fetched idle) and t_2 (queued after t_x) were.
    expect(taken).to.deep.equal(['t_1#0', 't_2#0']);
    const tx = await changed.storage.getInstance('t_x#0');
    expect(tx.status).to.equal('finished');
    expect(tx.metadata.note).to.equal('edited while queued');
    expect(JSON.parse(seenWhileRunning.get('t_x#0') as string).status).to.equal('running');
  });
  it('leaves a job of an earlier build (its record hint a string at the end of the data) to the worker, which starts it from that text', async () => {
    const { container, runner, prefix } = await bullmqContainer({ defaultStorage: 'redis' });
    const fetched = recordTaken(connectionOf(container), 'takeFetchedStart');
    const known = recordTaken(connectionOf(container), 'takeScheduledRecord');
    const manager = await bullmqSession(container, { t_1: { after: ['go'], run: 'SOF_Probe' } });
    await manager.fire('go', { n: 1 });
    const job = await runner.queue('triggers').getJob(BullMQTaskRunner.jobIdFor(prefix, manager.storage.uid, 't_1#0'));
    const { session, record, ...payload } = job?.data as unknown as BullMQJobData;
    const text = recordHintText(record) as string;
    expect(text).to.equal(await (manager.storage as RedisStorageBackend).connection.redis.hget((manager.storage as RedisStorageBackend).keys.instances, 't_1#0'));
    await job?.updateData({ ...payload, record: text, session } as never);
    let completed!: Promise<unknown>;
    await startWorker(container, {}, (worker) => (completed = completedPayloads(worker, 1)));
    await completed;
    expect(fetched).to.deep.equal([]);
    expect(known).to.deep.equal(['t_1#0']);
    const done = await manager.storage.getInstance('t_1#0');
    expect(done.status).to.equal('finished');
    expect(done.metadata.actualKwargs).to.deep.equal({ go: { n: 1 } });
    expect(JSON.parse(seenWhileRunning.get('t_1#0') as string).status).to.equal('running');
  });

  it('runs a job of a session this worker never saw without reading its configuration, when another session had the same one (the version is a digest)', async () => {
    const prefix = uniquePrefix('sof-shared-config');
    const { container: producer } = await bullmqContainer({ defaultStorage: 'redis', prefix });
    const { container } = await bullmqContainer({ defaultStorage: 'redis', prefix });
    const config = { t_1: { after: ['go'], run: 'SOF_Probe' }, t_2: { after: ['t_1'], run: 'SOF_Probe' } };
    const seen = await bullmqSession(producer, config, 'sof seen');
    const unseen = await bullmqSession(producer, config, 'sof unseen ☃');
    const worker = await startWorker(container);

    const storageCommands = (block: () => Promise<unknown>) =>
      commandsSent(container, block).then((sent) => sent.map((command) => command.name));
    const first = await storageCommands(async () => {
      const done = completedJob(worker, 't_2#0', 'sof seen');
      await seen.fire('go');
      await done;
    });
    // The worker's first session: its finish reads the configuration (version and entries) once.
    expect(first).to.include('hgetall');
    const second = await storageCommands(async () => {
      const done = completedJob(worker, 't_2#0', 'sof unseen ☃');
      await unseen.fire('go');
      await done;
    });
    // Started in the fetch, finished with the finish on the job connection: on the storage connection only
    // the probe tasks' own reads of their records, one each.
    expect(second).to.deep.equal(['hget', 'hget']);
    const t2 = await unseen.storage.getInstance('t_2#0');
    expect(t2.status).to.equal('finished');
    expect((t2.metadata.result as { passed: Kwargs }).passed).to.deep.equal({ t_1: { from: 't_1#0', passed: { go: {} } } });
  });

  it('starts a fetched instance of a session written before sessions kept their uid, checking the uid by its tag instead', async () => {
    const { container } = await bullmqContainer({ defaultStorage: 'redis' });
    const taken = recordTaken(connectionOf(container), 'takeFetchedStart');
    const manager = await bullmqSession(container, { t_1: { after: ['go'], run: 'SOF_Probe' } }, 'sof älter 🎉');
    const storage = manager.storage as RedisStorageBackend;
    expect(await storage.connection.redis.get(storage.keys.uidKey)).to.equal(JSON.stringify('sof älter 🎉'));
    await storage.connection.redis.del(storage.keys.uidKey);
    const worker = await startWorker(container);
    const done = completedJob(worker, 't_1#0', 'sof älter 🎉');
    await manager.fire('go');
    await done;
    expect(taken).to.deep.equal(['t_1#0']);
    expect((await manager.storage.getInstance('t_1#0')).status).to.equal('finished');
  });

  it('refuses a job whose data names its session and uid twice (the fetch reads the first, JSON.parse keeps the last), running nothing', async () => {
    const { container, runner, prefix } = await bullmqContainer({ defaultStorage: 'redis' });
    const manager = await bullmqSession(container, { t_1: { after: ['go'], run: 'SOF_Probe' } });
    await manager.fire('go', { n: 1 });
    const queue = runner.queue('triggers');
    const genuineId = BullMQTaskRunner.jobIdFor(prefix, manager.storage.uid, 't_1#0');
    const redis = connectionOf(container).redis;
    const text = await redis.hget(queue.toKey(genuineId), 'data');
    expect(text, 'the genuine job carries the hints').to.match(/^\{"session":/);
    // The genuine hints, id and first uid, then another session's key base and uid: the data parses to that
    // session's job (its session hint consistent with its uid), under the genuine id.
    const other = JSON.stringify(connectionOf(container).keysFor('sof someone else').base);
    await redis.hset(queue.toKey(genuineId), 'data', `${text?.slice(0, -1)},"session":${other},"uid":"sof someone else"}`);

    let refused!: Promise<JobFailedEvent>;
    await startWorker(container, {}, (w) => (refused = failedJob(w, (event) => event.jobId === genuineId)));
    const error = (await refused).error;
    expect(error.name).to.equal('ForgedJobError');
    expect(error.message).to.contain('sof someone else');
    expect(seenWhileRunning.has('t_1#0')).to.equal(false);
    expect((await manager.storage.getInstance('t_1#0')).status).to.not.equal('finished');
  });

  for (const forgery of [
    { kind: 'the id and name of an instance that does not exist', uid: undefined, instance: 't_1#999', refusal: 'MalformedJobError', keptUid: true },
    { kind: 'the id and uid of another session', uid: 'sof someone else', instance: 't_1#0', refusal: 'ForgedJobError', keptUid: true },
    { kind: 'the id and uid of another session, in a session written before sessions kept their uid', uid: 'sof someone else', instance: 't_1#0', refusal: 'ForgedJobError', keptUid: false },
  ]) {
    it(`starts nothing for a forged job carrying a scheduled instance's hints under ${forgery.kind}, and refuses it`, async () => {
      const { container, runner, prefix } = await bullmqContainer({ defaultStorage: 'redis' });
      const manager = await bullmqSession(container, { t_1: { after: ['go'], run: 'SOF_Probe' } });
      const storage = manager.storage as RedisStorageBackend;
      if (!forgery.keptUid) await storage.connection.redis.del(storage.keys.uidKey);
      await manager.fire('go', { n: 1 });
      const queue = runner.queue('triggers');
      const genuineId = BullMQTaskRunner.jobIdFor(prefix, manager.storage.uid, 't_1#0');
      const genuine = await queue.getJob(genuineId);
      const data = genuine?.data as unknown as BullMQJobData;
      expect(data.session, 'the genuine job carries the hints').to.be.a('string');
      await genuine?.remove();
      const uid = forgery.uid ?? manager.storage.uid;
      const forgedId = BullMQTaskRunner.jobIdFor(prefix, uid, forgery.instance);
      await queue.add('SOF_Probe', { ...data, uid, instance: forgery.instance } as never, { jobId: forgedId });

      let refused!: Promise<JobFailedEvent>;
      const worker = await startWorker(container, {}, (w) => (refused = failedJob(w, (event) => event.jobId === forgedId)));
      expect((await refused).error.name).to.equal(forgery.refusal);
      // Its fetch left the instance as it was: still scheduled, no status change counted, nothing ran.
      expect((await manager.storage.getInstance('t_1#0')).status).to.equal('scheduled');
      const counts = await connectionOf(container).redis.hgetall(`${prefix}:idx:counts`);
      expect(Object.keys(counts).filter((field) => field.startsWith('scheduled>running:'))).to.deep.equal([]);
      expect(seenWhileRunning.has('t_1#0')).to.equal(false);

      // The instance's own job runs it, once.
      const done = completedJob(worker, 't_1#0');
      await queue.add('SOF_Probe', data as never, { jobId: genuineId });
      await done;
      expect((await manager.storage.getInstance('t_1#0')).status).to.equal('finished');
      expect(await queue.getJobState(forgedId)).to.equal('failed');
    });
  }
});
