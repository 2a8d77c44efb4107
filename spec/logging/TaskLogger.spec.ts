import { expect } from 'chai';
import { MemoryLogSink, TRIGGERS, Task, TaskLogger, TriggerTask, errorContext, withContext } from '../../src';
import type { Kwargs, LogSink, TaskContext } from '../../src';
import { createTestContainer, expectInstance } from '../../src/testing';
import { fireAll, newSession } from '../support/fixtures';

@TriggerTask({ name: 'CoreSpecLogs' })
export class CoreSpecLogs extends Task {
  run(ctx: TaskContext): Kwargs {
    const levels = (ctx.triggerKwargs.go as { levels: Array<'debug' | 'info' | 'warn' | 'error'> }).levels;
    for (const level of levels) ctx.logger[level](`a ${level} message`, { level });
    return {};
  }
}

@TriggerTask({ name: 'CoreSpecLogsThenFails' })
export class CoreSpecLogsThenFails extends Task {
  run(ctx: TaskContext): never {
    ctx.logger.info('starting');
    throw withContext(withContext(new Error('boom'), { step: 1 }), { row: 3 });
  }
}

@TriggerTask({ name: 'CoreSpecLogsThenSkips' })
export class CoreSpecLogsThenSkips extends Task {
  run(ctx: TaskContext): never {
    ctx.logger.warn('nothing to do');
    throw this.skip({ why: 'empty' });
  }
}

function sinkOf(container: { get<T>(token: symbol): T }): MemoryLogSink {
  return container.get<MemoryLogSink>(TRIGGERS.LogSink);
}

describe('logging: the task logger', () => {
  it('records the most severe level logged into metadata logLevel', async () => {
    const { manager } = await newSession({ t_a: { after: [], andEvery: 'go', run: 'CoreSpecLogs' } });
    await fireAll(manager, [
      ['go', { levels: ['debug', 'warn', 'info'] }],
      ['go', { levels: ['debug'] }],
      ['go', { levels: [] }],
      ['go', { levels: ['error', 'info'] }],
    ]);
    expect((await expectInstance(manager, 't_a#0').finished({})).logLevel).to.equal('warn');
    expect((await expectInstance(manager, 't_a#1').finished({})).logLevel).to.equal('debug');
    expect((await expectInstance(manager, 't_a#2').finished({})).metadata).not.to.have.property('logLevel');
    expect((await expectInstance(manager, 't_a#3').finished({})).logLevel).to.equal('error');
  });

  it("sends every entry, with its context, uid and instance, to the container's LogSink", async () => {
    const { container, manager } = await newSession({ t_a: { after: ['go'], run: 'CoreSpecLogs' } });
    const sink = sinkOf(container);
    expect(sink).to.be.instanceOf(MemoryLogSink);
    await fireAll(manager, [['go', { levels: ['info', 'error'] }]]);
    expect(sink.entries).to.deep.equal([
      { level: 'info', message: 'a info message', context: { level: 'info' }, uid: manager.storage.uid, instance: 't_a#0' },
      { level: 'error', message: 'a error message', context: { level: 'error' }, uid: manager.storage.uid, instance: 't_a#0' },
    ]);
  });

  it('keeps each test container its own sink', async () => {
    const one = await newSession({ t_a: { after: ['go'], run: 'CoreSpecLogs' } });
    const two = await newSession({ t_a: { after: ['go'], run: 'CoreSpecLogs' } });
    await fireAll(one.manager, [['go', { levels: ['info'] }]]);
    expect(sinkOf(one.container).entries).to.have.length(1);
    expect(sinkOf(two.container).entries).to.have.length(0);
  });

  it('keeps at least error on a failed instance, merges the contexts attached with withContext, and sends the failure to the LogSink with them', async () => {
    const { container, manager } = await newSession({ t_a: { after: ['go'], run: 'CoreSpecLogsThenFails' } });
    await fireAll(manager, ['go']);
    const instance = await expectInstance(manager, 't_a#0').failed('Error');
    expect(instance.metadata).to.include({ logLevel: 'error' });
    expect(instance.metadata.exceptionContext).to.deep.equal({ step: 1, row: 3 });
    expect(sinkOf(container).entries).to.deep.equal([
      { level: 'info', message: 'starting', context: undefined, uid: manager.storage.uid, instance: 't_a#0' },
      { level: 'error', message: 'Error: boom', context: { step: 1, row: 3 }, uid: manager.storage.uid, instance: 't_a#0' },
    ]);
  });

  it('records the level logged by a task that skipped itself', async () => {
    const { manager } = await newSession({ t_a: { after: ['go'], run: 'CoreSpecLogsThenSkips' } });
    await fireAll(manager, ['go']);
    const instance = await expectInstance(manager, 't_a#0').skipped();
    expect(instance.metadata).to.include({ why: 'empty', logLevel: 'warn' });
  });

  it('routes task logs to a LogSink given to the container', async () => {
    const entries: string[] = [];
    const sink: LogSink = { log: (entry) => entries.push(`${entry.level}:${entry.message}`) };
    const { manager } = await newSession({ t_a: { after: ['go'], run: 'CoreSpecLogs' } }, { container: createTestContainer({ logSink: sink }) });
    await fireAll(manager, [['go', { levels: ['warn'] }]]);
    expect(entries).to.deep.equal(['warn:a warn message']);
  });

  describe('withContext', () => {
    it('returns the same error, with context that is not enumerable', () => {
      const error = new Error('x');
      expect(withContext(error, { a: 1 })).to.equal(error);
      expect(errorContext(error)).to.deep.equal({ a: 1 });
      expect(Object.keys(error)).to.deep.equal([]);
    });

    it('ignores values that cannot carry context', () => {
      expect(withContext('text', { a: 1 })).to.equal('text');
      expect(errorContext('text')).to.equal(undefined);
    });
  });

  it('TaskLogger tracks the maximum level without a running task', () => {
    const sink = new MemoryLogSink();
    const logger = new TaskLogger(sink, 'uid', 't_a#0');
    expect(logger.maxLevel).to.equal(undefined);
    logger.info('one');
    logger.debug('two');
    expect(logger.maxLevel).to.equal('info');
    expect(sink.entries.map((entry) => entry.level)).to.deep.equal(['info', 'debug']);
  });
});
