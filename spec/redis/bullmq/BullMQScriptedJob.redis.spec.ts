import { expect } from 'chai';
import type { Container } from 'inversify';
import { BullMQTaskRunner, RedisStorageBackend, closeTriggersContainer, payloadFor } from '../../../src';
import type { TriggerConfiguration, TriggerManager } from '../../../src';
import type { ScriptedJob } from '../../../src/redis/bullmq/ScriptedJob';
import { RedisEndpoint } from '../../../src/redis/connection/RedisEndpoint';
import { BullMQInternals } from '../../../src/redis/bullmq/BullMQInternals';
import { RedisScripts } from '../../../src/redis/storage/RedisScripts';
import { recordHintText } from '../../../src/redis/bullmq/BullMQJobData';
import { expectInstance } from '../../../src/testing';
import { bullmqContainer, bullmqSession, closeBullmq, startWorker } from '../../support/bullmqFixtures';
import { commandsSent, connectionOf } from '../../support/redisContainers';
import { waitFor } from '../../support/waitFor';
import '../../support/bullmqTasks';

/** Names that need escaping in JSON, in Lua patterns, or both. */
const ODD_UID = 'sess:{slot} "q" \\ ünï©ødé 🎉 \ud800';
const ODD_TASK = 't_"quoted"\\back#slash é ☃';

/** A production-shaped container (Redis storage, BullMQ runner) whose runner counts its `run` calls. */
async function redisBullmq(): Promise<{ container: Container; prefix: string; runner: BullMQTaskRunner; runs: string[] }> {
  const made = await bullmqContainer({ defaultStorage: 'redis' });
  opened.push(made.container);
  const runs: string[] = [];
  const run = made.runner.run.bind(made.runner);
  made.runner.run = (manager, instance) => {
    runs.push(instance.name);
    return run(manager, instance);
  };
  return { ...made, runs };
}

const opened: Container[] = [];

/** The job as BullMQ stored it (hash fields), the timestamp aside. */
async function storedJob(container: Container, runner: BullMQTaskRunner, queue: string, id: string): Promise<Record<string, string>> {
  const fields = await connectionOf(container).redis.hgetall(`${runner.queue(queue).keys['']}${id}`);
  delete fields.timestamp;
  return fields;
}

/** An instance record as stored (raw JSON text). */
async function storedRecord(manager: TriggerManager, name: string): Promise<string | null> {
  const storage = manager.storage as RedisStorageBackend;
  return storage.connection.redis.hget(storage.keys.instances, name);
}

function jobIdOf(prefix: string, manager: TriggerManager, instance: string): string {
  return BullMQTaskRunner.jobIdFor(prefix, manager.storage.uid, instance);
}

describe('BullMQTaskRunner: jobs enqueued by the Redis storage script', () => {
  afterEach(async () => {
    await closeBullmq();
    for (const container of opened.splice(0)) await closeTriggersContainer(container);
  });

  it('is available with the installed BullMQ (its own add script, wrapped as a Lua function that takes its own cmsgpack)', () => {
    const addStandardJob = BullMQInternals.installed().addStandardJobLua;
    expect(addStandardJob).to.be.a('string');
    expect(RedisScripts.applyAtomically.lua).to.include(`local function bullmqAddStandardJob(KEYS, ARGV, cmsgpack)\n${addStandardJob}\nend\n`);
  });

  it('a fire that schedules an instance records it and adds its job in one command, without calling the runner', async () => {
    const { container, runner, prefix, runs } = await redisBullmq();
    const manager = await bullmqSession(container, { t_a: { after: ['a'], run: 'BMQ_Count' } });
    await manager.fire('unrelated'); // loads the configuration cache and the script
    const sent = await commandsSent(container, () => manager.fire('a', { n: 1 }));
    expect(sent.map((command) => command.name)).to.deep.equal(['evalsha']);
    expect(runs).to.deep.equal([]);
    const waiting = await runner.queue('triggers').getWaiting();
    expect(waiting.map((job) => job.id)).to.deep.equal([jobIdOf(prefix, manager, 't_a#0')]);
    expect((await manager.storage.getInstance('t_a#0')).status).to.equal('scheduled');
  });

  it('writes the job exactly as Queue.add does (id, name, data, options, lists, events), for awkward names', async () => {
    const config: TriggerConfiguration = { [ODD_TASK]: { after: ['a', 'b'], run: 'BMQ_Count' } };
    // Same prefix and uid twice: once through the script, once through the runner (the locked path calls run()).
    const scripted = await redisBullmq();
    const manager = await bullmqSession(scripted.container, config, ODD_UID);
    await manager.fire('a', { text: 'é ☃ "q" \\', list: [1, { b: null }] });
    await manager.fire('b', { n: 2 });
    expect(scripted.runs).to.deep.equal([]);
    const instance = await manager.storage.getInstance(`${ODD_TASK}#0`);
    const id = jobIdOf(scripted.prefix, manager, instance.name);
    const viaScript = await storedJob(scripted.container, scripted.runner, 'triggers', id);

    const queued = await redisBullmq();
    const direct = await bullmqSession(queued.container, config, ODD_UID);
    await direct.storage.withLock(async () => {
      await direct.fire('a', { text: 'é ☃ "q" \\', list: [1, { b: null }] });
      await direct.fire('b', { n: 2 });
    });
    expect(queued.runs).to.deep.equal([instance.name]);
    const viaAdd = await storedJob(queued.container, queued.runner, 'triggers', jobIdOf(queued.prefix, direct, instance.name));

    // The script's job opens with the session's key base and the record text it wrote (as a JSON value, byte for byte).
    const record = await storedRecord(manager, instance.name);
    const session = JSON.stringify((manager.storage as RedisStorageBackend).keys.base);
    expect(viaScript.data).to.equal(`{"session":${session},"record":${record},${JSON.stringify(payloadFor(manager, instance)).slice(1)}`);
    expect(viaAdd.data).to.equal(JSON.stringify(payloadFor(direct, instance)));
    expect(JSON.parse(viaScript.opts)).to.deep.equal({ ...JSON.parse(viaAdd.opts), jobId: id });
    expect({ ...viaScript, opts: undefined, data: undefined }).to.deep.equal({ ...viaAdd, opts: undefined, data: undefined });
    for (const side of [scripted, queued]) {
      const client = connectionOf(side.container).redis;
      const keys = side.runner.queue('triggers').keys;
      expect(await client.llen(keys.wait)).to.equal(1);
      expect(await client.zscore(keys.marker, '0')).to.equal('0');
      const events = (await client.xrange(keys.events, '-', '+')).map(([, fields]: [string, string[]]) => fields[1]);
      expect(events).to.include.members(['added', 'waiting']);
    }
  });

  it('carries every applied kwarg of an instance completed by a later trigger (a join)', async () => {
    const { container, runner, prefix } = await redisBullmq();
    const manager = await bullmqSession(container, { t_join: { after: ['a', 'b'], run: 'BMQ_Count' } });
    await manager.fire('a', { from: 'a' });
    await manager.fire('b', { from: 'b' });
    const job = await runner.queue('triggers').getJob(jobIdOf(prefix, manager, 't_join#0'));
    expect(job?.data).to.deep.equal({
      uid: manager.storage.uid,
      instance: 't_join#0',
      manager: 'default',
      storage: 'redis',
      kwargs: { a: { from: 'a' }, b: { from: 'b' } },
      depth: 0,
      record: JSON.parse((await storedRecord(manager, 't_join#0')) ?? '') as unknown,
      session: (manager.storage as RedisStorageBackend).keys.base,
    });
    // The hints open the data, the record copied as it is stored (the fetching script reads both in place).
    const session = JSON.stringify((manager.storage as RedisStorageBackend).keys.base);
    const { data } = await storedJob(container, runner, 'triggers', job?.id ?? '');
    expect(data.startsWith(`{"session":${session},"record":${await storedRecord(manager, 't_join#0')},"uid":`)).to.equal(true);
  });

  it('leaves the record out of the job when it is over 8 KiB (the worker then reads it), and the worker still runs it', async () => {
    const { container, runner, prefix } = await redisBullmq();
    const manager = await bullmqSession(container, { t_big: { after: ['a'], run: 'BMQ_Count' } });
    await manager.fire('a', { blob: 'x'.repeat(9000) });
    const job = await runner.queue('triggers').getJob(jobIdOf(prefix, manager, 't_big#0'));
    expect(job?.data).to.not.have.property('record');
    expect((job?.data.kwargs.a as { blob: string }).blob).to.have.length(9000);
    await startWorker(container);
    await waitFor('t_big#0 finished', async () => (await manager.storage.getInstance('t_big#0')).status === 'finished');
    await expectInstance(manager, 't_big#0').finished({ ran: 't_big#0' });
  });

  it('sends the job to the configuration "queue" directive', async () => {
    const { container, runner, prefix, runs } = await redisBullmq();
    const manager = await bullmqSession(container, { t_a: { after: ['a'], run: 'BMQ_Count', queue: 'special' } });
    await manager.fire('a');
    expect(runs).to.deep.equal([]);
    expect((await runner.queue('special').getWaiting()).map((job) => job.id)).to.deep.equal([jobIdOf(prefix, manager, 't_a#0')]);
  });

  it('leaves an instance with a cooldown to the runner, which delays its job', async () => {
    const { container, runner, prefix, runs } = await redisBullmq();
    const manager = await bullmqSession(container, { t_join: { after: ['a', 'b'], run: 'BMQ_Count' } });
    await manager.fire('a');
    await manager.updateInstanceMetadata('t_join#0', { cooldown: 60 });
    await manager.fire('b');
    expect(runs).to.deep.equal(['t_join#0']);
    const job = await runner.queue('triggers').getJob(jobIdOf(prefix, manager, 't_join#0'));
    expect(job?.opts.delay).to.equal(60_000);
    expect(await job?.getState()).to.equal('delayed');
  });

  it('leaves instances to the runner when the runner names another Redis server', async () => {
    const { container, runs, runner } = await redisBullmq();
    const scriptedJob = runner.scriptedJob.bind(runner);
    runner.scriptedJob = (manager, task): ScriptedJob | undefined => {
      const job = scriptedJob(manager, task);
      return job === undefined ? undefined : { ...job, endpoint: RedisEndpoint.from('redis://elsewhere.invalid:6379') };
    };
    const manager = await bullmqSession(container, { t_a: { after: ['a'], run: 'BMQ_Count' } });
    await manager.fire('a');
    expect(runs).to.deep.equal(['t_a#0']);
  });

  it('a worker runs a chain whose every cascade job was enqueued by the finishing script', async () => {
    const { container, runs } = await redisBullmq();
    const manager = await bullmqSession(container, {
      t_1: { after: ['go'], run: 'BMQ_Count' },
      t_2: { after: ['t_1'], run: 'BMQ_Count' },
      t_3: { after: ['t_2'], run: 'BMQ_Count' },
    });
    expect(manager.storage).to.be.instanceOf(RedisStorageBackend);
    const worker = await startWorker(container);
    const done = new Promise<void>((resolve) => {
      worker.on('completed', (event) => {
        if (event.payload.instance === 't_3#0') resolve();
      });
    });
    await manager.fire('go');
    await done;
    await expectInstance(manager, 't_3#0').finished({ ran: 't_3#0' });
    expect(runs).to.deep.equal([]);
  });

  describe('a worker starts the instance from the record text its job carries', () => {
    async function scheduledJoin(withParams?: Record<string, Record<string, unknown>>) {
      const { container, runner, prefix } = await redisBullmq();
      const manager = await bullmqSession(container, { t_join: { after: ['a', 'b'], run: 'BMQ_Count', ...(withParams ? { withParams } : {}) } });
      await manager.fire('a', { x: 1 });
      await manager.fire('b', { y: 2 });
      const job = await runner.queue('triggers').getJob(jobIdOf(prefix, manager, 't_join#0'));
      return { container, manager, record: recordHintText((job?.data as { record?: unknown }).record) as string };
    }

    it('in one script that compares texts, with withParams merged as the locked path does', async () => {
      const { container, manager, record } = await scheduledJoin({ a: { x: 0, fromParams: true } });
      // Known to the server, as after any earlier start: on a fresh server the first call is re-sent as EVAL.
      await connectionOf(container).redis.script('LOAD', RedisScripts.startKnown.lua);
      const sent = await commandsSent(container, () => startWithHint(manager, 't_join#0', record));
      expect(sent.map((command) => command.name)).to.deep.equal(['evalsha']);
      const running = await manager.storage.getInstance('t_join#0');
      expect(running.status).to.equal('running');
      expect(running.metadata.actualKwargs).to.deep.equal({ a: { x: 1, fromParams: true }, b: { y: 2 } });
      expect(await storedRecord(manager, 't_join#0')).to.equal(JSON.stringify(running.toRecord()));
    });

    it('falls back to reading the record when it changed since the job was added', async () => {
      const { manager, record } = await scheduledJoin();
      await manager.updateInstanceMetadata('t_join#0', { note: 'changed' });
      const started = await startWithHint(manager, 't_join#0', record);
      expect(started?.status).to.equal('running');
      const running = await manager.storage.getInstance('t_join#0');
      expect(running.metadata).to.include({ note: 'changed' });
      expect(running.metadata.actualKwargs).to.deep.equal({ a: { x: 1 }, b: { y: 2 } });
    });

    it('never starts an instance that is no longer scheduled, whatever text the job carries', async () => {
      const { manager, record } = await scheduledJoin();
      await manager.updateInstanceStatus('t_join#0', 'skipped');
      expect(await startWithHint(manager, 't_join#0', record)).to.equal(undefined);
      const forged = record.replace('"y":2', '"y":3');
      expect(forged).to.not.equal(record);
      expect(await startWithHint(manager, 't_join#0', forged)).to.equal(undefined);
      expect(await startWithHint(manager, 't_join#0', 'not json')).to.equal(undefined);
      expect((await manager.storage.getInstance('t_join#0')).status).to.equal('skipped');
    });
  });
});

/** Starts `name` the way a worker does for a job that carries the record text `record`. */
function startWithHint(manager: TriggerManager, name: string, record: string): ReturnType<TriggerManager['startInstance']> {
  connectionOf(manager.container).handoffs.noteScheduledRecord(manager.storage.uid, name, record);
  return manager.startInstance(name);
}
