import { expect } from 'chai';
import type { Container } from 'inversify';
import { RedisStorageBackend, TaskStatus, getManager, runnerToken } from '../../../src';
import type { TaskInstance, TriggerConfiguration, TriggerManager } from '../../../src';
import { ThreadingTaskRunner, expectInstance } from '../../../src/testing';
import { CoreSpecLockProbeRunner } from '../../support/coreRunners';
import { closeRedisContainers, commandsSent, redisTestContainer } from '../../support/redisContainers';
import { waitFor } from '../../support/waitFor';
import { uniquePrefix } from '../../support/sharedRedis';
import { ExecutionContext } from '../../../src/context/ExecutionContext';

/** Names that need escaping in JSON, in Lua patterns, or in both. */
const ODD = {
  task: 't_"quoted"\\back#slash é ☃',
  trigger: 'tr"ig\\ger %d+ ☃\u2028',
  other: 'other-🎉-#1',
};

/** Kwargs whose JSON text must survive byte for byte (no re-encoding on the server). */
const AWKWARD_KWARGS = {
  big: 1e21,
  small: 5e-324,
  third: 0.1 + 0.2,
  empties: { list: [], object: {} },
  text: 'é ☃ 🎉 "quoted" \\ \u2028 \u0000',
  nested: [[[]], { a: [1, { b: null }] }],
};

/** What a block sends, as `name/argument count`. */
async function shapesSent(container: Container, block: () => Promise<unknown>): Promise<string[]> {
  return (await commandsSent(container, block)).map((command) => `${command.name}/${command.args.length}`);
}

/** The instance records as stored (raw JSON text), by name. */
async function rawRecords(manager: TriggerManager): Promise<Record<string, string>> {
  const storage = manager.storage as RedisStorageBackend;
  return storage.connection.redis.hgetall(storage.keys.instances);
}

/** The session without timestamps, for comparing two runs of the same operations. */
async function stateOf(manager: TriggerManager): Promise<unknown> {
  const dump = await manager.storage.debugRepr();
  const instances = Object.values(dump.instances).map(({ name, status, kwargs, abandonState, metadata }) => {
    const { timestamps, ...rest } = metadata;
    return { name, status, kwargs, abandonState, metadata: rest, stamped: Object.keys(timestamps ?? {}).sort() };
  });
  return { instances, latestKwargs: dump.latestKwargs };
}

describe('storage: RedisStorageBackend.applyAtomically (one script instead of the lock)', () => {
  afterEach(closeRedisContainers);

  const CONFIG: TriggerConfiguration = {
    [ODD.task]: { after: [ODD.trigger, 'b'], unless: ['stop', ODD.other], run: 'PassThruTask' },
    t_every: { after: [ODD.task], andEvery: ODD.trigger, run: 'DevNullTask' },
    t_next: { after: [ODD.task], run: 'PassThruTask' },
    t_stop: { after: ['b'], unless: ['stop'], run: 'DevNullTask', using: 'coreSpecDeferringProbe' },
    t_abandoned: { after: ['never'], unless: ['stop'], run: 'DevNullTask' },
  };
  const OPERATIONS: Array<[string, Record<string, unknown>]> = [
    [ODD.other, { o: 1 }],
    [ODD.trigger, AWKWARD_KWARGS],
    ['b', { b: [] }],
    [ODD.trigger, { again: true }],
    ['stop', {}],
    [ODD.other, {}],
    [ODD.trigger, { third: 3 }],
  ];

  async function run(path: 'atomic' | 'locked'): Promise<{ manager: TriggerManager; sent: string[][] }> {
    const container = await redisTestContainer();
    const manager = getManager(container, `odd "uid" ☃ ${path}`);
    await manager.updateConfiguration(CONFIG);
    await manager.fire('warm-up');
    const sent: string[][] = [];
    for (const [trigger, kwargs] of OPERATIONS) {
      const fire = () => manager.fire(trigger, kwargs);
      sent.push(await shapesSent(container, () => (path === 'locked' ? manager.storage.withLock(fire) : fire())));
      await ThreadingTaskRunner.joinAll();
    }
    return { manager, sent };
  }

  it('a fire is one script, and leaves the session exactly as the locked path does (odd names, awkward kwargs, cascades, unless, andEvery)', async () => {
    const atomic = await run('atomic');
    const locked = await run('locked');
    expect(await stateOf(atomic.manager)).to.deep.equal(await stateOf(locked.manager));
    for (const sent of atomic.sent) expect(sent.filter((command) => command.startsWith('evalsha'))).to.have.length(1);
    expect(atomic.sent.flat().filter((command) => !command.startsWith('evalsha'))).to.deep.equal([]);
    await expectInstance(atomic.manager, `${ODD.task}#0`).finished();
    await expectInstance(atomic.manager, 't_stop#0').scheduled();
    await expectInstance(atomic.manager, 't_abandoned#0').abandoned();
  });

  it('applies a fire outside any operation frame and hands its instances to the in-process runner inside the operation', async () => {
    const container = await redisTestContainer();
    const manager = getManager(container, 'atomic fire, no frame');
    await manager.updateConfiguration({ t_a: { after: ['go'], run: 'PassThruTask' }, t_b: { after: ['t_a'], run: 'PassThruTask' } });
    const operations: unknown[] = [];
    // On the prototype: each job's execution builds its own manager and storage.
    const apply = Object.getOwnPropertyDescriptor(RedisStorageBackend.prototype, 'applyAtomically')?.value as RedisStorageBackend['applyAtomically'];
    RedisStorageBackend.prototype.applyAtomically = function (this: RedisStorageBackend, operation) {
      operations.push(ExecutionContext.current().operation);
      return apply.call(this, operation);
    };
    try {
      await manager.fire('go', { x: 1 });
      await ThreadingTaskRunner.joinAll();
    } finally {
      RedisStorageBackend.prototype.applyAtomically = apply;
    }
    // The fire, and the finishes of t_a and t_b with their cascades: each applied in one step, no frame entered for it.
    expect(operations).to.deep.equal([undefined, undefined, undefined]);
    await expectInstance(manager, 't_b#0').finished();
  });

  it("keeps the kwargs' JSON text byte for byte and every record canonical", async () => {
    const { manager } = await run('atomic');
    const records = await rawRecords(manager);
    for (const [name, text] of Object.entries(records)) expect(text, name).to.equal(JSON.stringify(JSON.parse(text)));
    const first = JSON.parse(records[`${ODD.task}#0`]) as { kwargs: Record<string, unknown> };
    expect(first.kwargs[ODD.trigger]).to.deep.equal(AWKWARD_KWARGS);
    expect(records[`${ODD.task}#0`]).to.include(`${JSON.stringify(ODD.trigger)}:${JSON.stringify(AWKWARD_KWARGS)}`);
  });

  it('a status change with its cascade (what a finishing task records) is one script', async () => {
    const container = await redisTestContainer();
    const manager = getManager(container, 'finish');
    await manager.updateConfiguration({
      t_a: { after: ['a'], run: 'DevNullTask', using: 'coreSpecDeferringProbe' },
      t_b: { after: ['t_a'], run: 'DevNullTask', using: 'coreSpecDeferringProbe' },
    });
    await manager.fire('a');
    await manager.updateInstanceMetadata('t_a#0', { keep: 'me', result: 'old' });
    const sent = await shapesSent(container, () =>
      manager.updateInstanceStatus('t_a#0', TaskStatus.Finished, { metadata: { result: { r: [1e21] }, logLevel: 'info' }, cascade: true, cascadeKwargs: { r: [1e21] } }),
    );
    expect(sent).to.deep.equal(['evalsha/45']);
    const finished = await manager.storage.getInstance('t_a#0');
    expect(finished.status).to.equal('finished');
    expect(finished.metadata).to.include.keys('timestamps');
    expect({ ...finished.metadata, timestamps: undefined }).to.deep.equal({ keep: 'me', result: { r: [1e21] }, logLevel: 'info', timestamps: undefined });
    expect(Object.keys(finished.metadata.timestamps ?? {})).to.deep.equal(['created', 'lastModified', 'unstarted', 'scheduled', 'finished']);
    expect((await manager.storage.getInstance('t_b#0')).kwargs).to.deep.equal({ t_a: { r: [1e21] } });
    await expectInstance(manager, 't_b#0').scheduled();
  });

  it('hands ready instances to a runner that defers execution after the script, outside the lock; other runners inside it', async () => {
    const container = await redisTestContainer();
    const manager = getManager(container, 'hand-offs');
    await manager.updateConfiguration({
      t_deferring: { after: ['go'], run: 'DevNullTask', using: 'coreSpecDeferringProbe' },
      t_plain: { after: ['go'], run: 'DevNullTask', using: 'coreSpecLockProbe' },
      t_deferring_only: { after: ['solo'], run: 'DevNullTask', using: 'coreSpecDeferringProbe' },
    });
    await manager.fire('solo');
    await manager.fire('go');
    const deferring = container.get<CoreSpecLockProbeRunner>(runnerToken('coreSpecDeferringProbe'));
    const plain = container.get<CoreSpecLockProbeRunner>(runnerToken('coreSpecLockProbe'));
    // `go` concerns a runner that does not defer: the whole fire takes the locked path.
    expect(deferring.handOffs).to.deep.equal(['t_deferring_only#0:unlocked', 't_deferring#0:locked']);
    expect(plain.handOffs).to.deep.equal(['t_plain#0:locked']);
  });

  it('a runner that refuses an instance after the script fails it (replayable), as on the locked path', async () => {
    const container = await redisTestContainer();
    const manager = getManager(container, 'refused');
    await manager.updateConfiguration({ t_r: { after: ['go'], run: 'DevNullTask', using: 'coreSpecDeferringRefusing' } });
    await manager.fire('go');
    await expectInstance(manager, 't_r#0').failed('CoreSpecRunnerDown');
  });

  it('while another process holds the session lock, a fire waits for it and then applies', async () => {
    const prefix = uniquePrefix('atomic-wait');
    const mine = getManager(await redisTestContainer({ prefix }), 'contended');
    const other = getManager(await redisTestContainer({ prefix }), 'contended');
    await mine.updateConfiguration({ t_w: { after: ['go'], run: 'PassThruTask' } });
    await mine.fire('warm-up');
    await other.fire('warm-up');
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const storage = mine.storage as RedisStorageBackend;
    const redis = storage.connection.redis;
    const holding = other.storage.withLock(() => held);
    try {
      await waitFor('the other process to hold the lock', async () => (await redis.exists(storage.keys.lock)) === 1);
      let settled = false;
      const firing = mine.fire('go', { n: 1 }).then(() => (settled = true));
      // The refused fire marks itself as the next waiter.
      await waitFor('the fire to queue for the lock', async () => (await redis.exists(storage.keys.next)) === 1);
      expect(settled).to.equal(false);
      await expectInstance(mine, 't_w#0').missing();
      release();
      await firing;
    } finally {
      release();
      await holding;
    }
    await ThreadingTaskRunner.joinAll();
    await expectInstance(mine, 't_w#0').finished({ go: { n: 1 } });
  });

  it('a process that configured the session fires into it in one script, with every task it configured (no configuration read back)', async () => {
    const container = await redisTestContainer();
    const manager = getManager(container, 'configured here');
    await manager.updateConfiguration({ t_first: { after: ['go'], run: 'PassThruTask' } });
    await manager.updateConfiguration({ t_second: { after: ['go'], unless: ['stop'], run: 'PassThruTask' } });
    const sent = await shapesSent(container, () => manager.fire('go', { n: 1 }));
    expect(sent.map((command) => command.split('/')[0])).to.deep.equal(['evalsha']);
    await ThreadingTaskRunner.joinAll();
    await expectInstance(manager, 't_first#0').finished({ go: { n: 1 } });
    await expectInstance(manager, 't_second#0').finished({ go: { n: 1 } });
  });

  it('does not use a configuration another process changed since this one cached it', async () => {
    const prefix = uniquePrefix('atomic-stale');
    const mine = getManager(await redisTestContainer({ prefix }), 'stale');
    const other = getManager(await redisTestContainer({ prefix }), 'stale');
    await mine.updateConfiguration({ t_old: { after: ['go'], run: 'PassThruTask' } });
    await mine.fire('warm-up');
    await other.updateConfiguration({ t_new: { after: ['go'], run: 'PassThruTask' } });
    await mine.fire('go', { n: 2 });
    await ThreadingTaskRunner.joinAll();
    await expectInstance(mine, 't_old#0').finished({ go: { n: 2 } });
    await expectInstance(mine, 't_new#0').finished({ go: { n: 2 } });
  });

  /**
   * `t_x#0` waiting for `b` after `a` fired, its stored record replaced by
   * `rewrite(record)`; then fires `b` and returns the evalsha count of that fire.
   */
  async function fireBOverRewrittenRecord(uid: string, rewrite: (record: Record<string, unknown>) => string): Promise<{ manager: TriggerManager; scripts: number }> {
    const container = await redisTestContainer();
    const manager = getManager(container, uid);
    await manager.updateConfiguration({ t_x: { after: ['a', 'b'], run: 'PassThruTask' } });
    await manager.fire('a', { x: 1 });
    const storage = manager.storage as RedisStorageBackend;
    const redis = storage.connection.redis;
    const record = JSON.parse((await redis.hget(storage.keys.instances, 't_x#0')) as string) as Record<string, unknown>;
    await redis.hset(storage.keys.instances, 't_x#0', rewrite(record));
    const sent = await shapesSent(container, () => manager.fire('b', { y: 2 }));
    await ThreadingTaskRunner.joinAll();
    return { manager, scripts: sent.filter((command) => command.startsWith('evalsha')).length };
  }

  it('leaves a record it cannot edit as text to the locked path, writing nothing itself', async () => {
    // Valid JSON the script does not parse (whitespace): it must decline, not half-apply.
    const { manager, scripts } = await fireBOverRewrittenRecord('pretty', (record) => JSON.stringify(record, null, 2));
    expect(scripts).to.be.greaterThan(1);
    await expectInstance(manager, 't_x#0').finished({ a: { x: 1 }, b: { y: 2 } });
  });

  it('edits a record whose members are in another order (written by another tool) member by member, in one script', async () => {
    const { manager, scripts } = await fireBOverRewrittenRecord('reordered', ({ metadata, kwargs, ...rest }) => JSON.stringify({ metadata, kwargs, ...rest }));
    expect(scripts).to.equal(1);
    await expectInstance(manager, 't_x#0').finished({ a: { x: 1 }, b: { y: 2 } });
  });

  it('is not used inside an operation that holds the lock (a nested fire joins its transaction)', async () => {
    const container = await redisTestContainer();
    const manager = getManager(container, 'nested');
    await manager.updateConfiguration({ t_n: { after: ['a'], run: 'DevNullTask', using: 'coreSpecDeferringProbe' } });
    await manager.fire('warm-up');
    await manager.storage.withLock(() => manager.fire('a'));
    const deferring = container.get<CoreSpecLockProbeRunner>(runnerToken('coreSpecDeferringProbe'));
    expect(deferring.handOffs).to.deep.equal(['t_n#0:locked']);
  });
});

describe('storage: RedisStorageBackend.applyAtomically after this process started the instance', () => {
  afterEach(closeRedisContainers);

  const CONFIG: TriggerConfiguration = {
    t_a: { after: ['a'], run: 'DevNullTask', using: 'coreSpecDeferringProbe', withParams: { a: { p: 1 } } },
    t_b: { after: ['t_a'], run: 'DevNullTask', using: 'coreSpecDeferringProbe' },
  };

  async function started(prefix: string, uid: string): Promise<TriggerManager> {
    const manager = getManager(await redisTestContainer({ prefix }), uid);
    await manager.updateConfiguration(CONFIG);
    await manager.fire('a', { k: [1e21, 'é'] });
    expect((await manager.startInstance('t_a#0'))?.status).to.equal('running');
    return manager;
  }

  it('finishes by comparing the record text it knows (computed like the locked path), in one script', async () => {
    const prefix = uniquePrefix('atomic-known');
    const manager = await started(prefix, 'known');
    let updated: TaskInstance | undefined;
    const sent = await commandsSent(manager.container, async () => {
      updated = await manager.updateInstanceStatus('t_a#0', TaskStatus.Finished, { metadata: { result: { r: 1 } }, cascade: true, cascadeKwargs: { r: 1 } });
    });
    expect(sent.map((command) => command.name)).to.deep.equal(['evalsha']);
    const finished = await manager.storage.getInstance('t_a#0');
    expect(updated?.toRecord(), 'the instance returned is the one stored').to.deep.equal(finished.toRecord());
    expect(finished.status).to.equal('finished');
    expect(finished.metadata.actualKwargs).to.deep.equal({ a: { p: 1, k: [1e21, 'é'] } });
    expect(finished.metadata.result).to.deep.equal({ r: 1 });
    expect(Object.keys(finished.metadata.timestamps ?? {})).to.deep.equal(['created', 'lastModified', 'unstarted', 'scheduled', 'running', 'finished']);
    expect((await manager.storage.getInstance('t_b#0')).kwargs).to.deep.equal({ t_a: { r: 1 } });

    // The record this process wrote is still the one it knows: the next change is computed here again.
    const again = await commandsSent(manager.container, () => manager.updateInstanceStatus('t_a#0', TaskStatus.Finished, { metadata: { note: 'after' } }));
    expect(again.map((command) => command.name)).to.deep.equal(['evalsha']);
    expect((await manager.storage.getInstance('t_a#0')).metadata).to.include({ note: 'after' });
  });

  it('notices a change another process made since, and applies the finish over it', async () => {
    const prefix = uniquePrefix('atomic-known');
    const manager = await started(prefix, 'changed');
    const other = getManager(await redisTestContainer({ prefix }), 'changed');
    await other.updateInstanceMetadata('t_a#0', { operator: 'was here' });
    await manager.updateInstanceStatus('t_a#0', TaskStatus.Finished, { metadata: { result: {} }, cascade: true });
    const finished = await manager.storage.getInstance('t_a#0');
    expect(finished.status).to.equal('finished');
    expect(finished.metadata.operator).to.equal('was here');
    expect(finished.metadata.result).to.deep.equal({});
    await expectInstance(manager, 't_b#0').scheduled();
  });
});
