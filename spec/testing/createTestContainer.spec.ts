import { expect } from 'chai';
import { MemoryStorageBackend, RedisServerStartError, RedisStorageBackend, TRIGGERS, Task, TriggerTask, closeTriggersContainer, getManager, runnerToken, taskToken } from '../../src';
import type { Kwargs, RedisSettings, TaskContext } from '../../src';
import { expectRejection } from '../support/rejection';
import { sharedRedis, uniquePrefix } from '../support/sharedRedis';
import {
  DevNullTask,
  FailingTask,
  MemoryLogSink,
  PassThruTask,
  RedisServerProcess,
  SelfRetryingTask,
  SelfSkippingTask,
  ThreadingTaskRunner,
  createTestContainer,
  expectInstance,
} from '../../src/testing';
import { fireAll, newSession } from '../support/fixtures';

@TriggerTask({ name: 'CoreSpecReportsRetries' })
export class CoreSpecReportsRetries extends Task {
  run(ctx: TaskContext): Kwargs {
    const retrying = ctx.manager.container.get<SelfRetryingTask>(taskToken('SelfRetryingTask'));
    return { selfRetryingMaxRetries: retrying.maxRetries };
  }
}

describe('testing: createTestContainer', () => {
  it('defaults to the in-process runner, memory storage, the default manager and a MemoryLogSink', async () => {
    const container = createTestContainer();
    expect(container.get(TRIGGERS.DefaultTaskRunnerName)).to.equal('threading');
    expect(container.get(TRIGGERS.DefaultStorageName)).to.equal('memory');
    expect(container.get(TRIGGERS.DefaultManagerName)).to.equal('default');
    expect(container.get(TRIGGERS.LogSink)).to.be.instanceOf(MemoryLogSink);
    expect(container.get(runnerToken('threading'))).to.be.instanceOf(ThreadingTaskRunner);
    const { manager } = await newSession({}, { container });
    expect(manager.storage).to.be.instanceOf(MemoryStorageBackend);
  });

  it('keeps the in-process runner even when other options are given', () => {
    const container = createTestContainer({ defaultManager: 'default', prefix: 'ignored' });
    expect(container.get(TRIGGERS.DefaultTaskRunnerName)).to.equal('threading');
  });

  it('lets a test choose another default runner explicitly', () => {
    expect(createTestContainer({ defaultRunner: 'coreSpecParking' }).get(TRIGGERS.DefaultTaskRunnerName)).to.equal('coreSpecParking');
  });

  it('with { redis }, gives each container a clean Redis namespace (a fresh prefix) unless a prefix is given', async () => {
    const redis = await sharedRedis();
    const first = createTestContainer({ redis: redis.url });
    const second = createTestContainer({ redis: redis.url });
    try {
      const { manager } = await newSession({ t_a: { after: ['go'], run: 'DevNullTask' } }, { container: first, uid: 'core-spec-same' });
      await fireAll(manager, ['go']);
      await expectInstance(manager, 't_a#0').finished({});
      expect(manager.storage).to.be.instanceOf(RedisStorageBackend);
      const other = getManager(second, 'core-spec-same');
      expect(await other.storage.getTasks()).to.deep.equal({});
      expect(await other.storage.getInstances()).to.deep.equal([]);
      const prefixes = [first, second].map((c) => c.get<RedisSettings>(TRIGGERS.RedisSettings).prefix);
      expect(prefixes[0]).to.not.equal(prefixes[1]);
      const chosen = uniquePrefix('test-container');
      expect(createTestContainer({ redis: redis.url, prefix: chosen }).get<RedisSettings>(TRIGGERS.RedisSettings).prefix).to.equal(chosen);
    } finally {
      await Promise.all([first, second].map((c) => closeTriggersContainer(c)));
    }
  });

  it('RedisServerProcess.start() names a missing redis-server binary with RedisServerStartError', async () => {
    const binary = '/nonexistent/core-spec-redis-server';
    await expectRejection(RedisServerProcess.start({ binary }), RedisServerStartError, `"${binary}" binary was not found`);
  });

  it('gives each container empty memory storage', async () => {
    const first = await newSession({ t_a: { after: ['go'], run: 'DevNullTask' } }, { uid: 'core-spec-same' });
    await fireAll(first.manager, ['go']);
    const second = await newSession({}, { uid: 'core-spec-same' });
    expect(await second.manager.storage.getInstances()).to.deep.equal([]);
  });
});

describe('testing: ready-made tasks', () => {
  it('are registered under their class names', () => {
    const container = createTestContainer();
    for (const task of [PassThruTask, DevNullTask, FailingTask, SelfSkippingTask, SelfRetryingTask]) {
      expect(container.get(taskToken(task.name))).to.be.instanceOf(task);
    }
  });

  it('PassThruTask returns the kwargs it received (withParams merged), per trigger', async () => {
    const { manager } = await newSession({
      t_a: { after: ['a', 'b'], run: 'PassThruTask', withParams: { a: { p: true } } },
    });
    await fireAll(manager, [['a', { x: 1 }], ['b', { y: [1, 2] }]]);
    await expectInstance(manager, 't_a#0').finished({ a: { p: true, x: 1 }, b: { y: [1, 2] } });
  });

  it('DevNullTask does nothing and finishes with {}', async () => {
    const { manager } = await newSession({ t_a: { after: ['a'], run: 'DevNullTask' } });
    await fireAll(manager, [['a', { x: 1 }]]);
    await expectInstance(manager, 't_a#0').finished({});
  });

  it('FailingTask fails with DeliberateFailure', async () => {
    const { manager } = await newSession({ t_a: { after: ['a'], run: 'FailingTask' } });
    await fireAll(manager, ['a']);
    const instance = await expectInstance(manager, 't_a#0').failed('DeliberateFailure');
    expect(instance.metadata.exceptionInfo).to.contain('FailingTask failed on purpose');
  });

  it('SelfSkippingTask skips itself with metadata reason', async () => {
    const { manager } = await newSession({ t_a: { after: ['a'], run: 'SelfSkippingTask' } });
    await fireAll(manager, ['a']);
    const instance = await expectInstance(manager, 't_a#0').skipped();
    expect(instance.metadata.reason).to.equal('SelfSkippingTask');
  });

  it('SelfRetryingTask ends with #0..#2 replayed and #3 failed with MaxRetriesExceeded', async () => {
    const { manager } = await newSession({
      t_a: { after: ['a'], run: 'SelfRetryingTask' },
      t_info: { after: ['a'], run: 'CoreSpecReportsRetries' },
    });
    await fireAll(manager, ['a']);
    for (const n of [0, 1, 2]) await expectInstance(manager, `t_a#${n}`).replayed();
    await expectInstance(manager, 't_a#3').failed('MaxRetriesExceeded');
    await expectInstance(manager, 't_info#0').finished({ selfRetryingMaxRetries: 3 });
  });
});
