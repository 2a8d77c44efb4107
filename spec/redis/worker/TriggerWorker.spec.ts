import { expect } from 'chai';
import { RunnerConfigurationError, TriggerWorker, closeTriggersContainer, createTriggersContainer } from '../../../src';
import type { TriggerWorkerOptions } from '../../../src';

/**
 * Bad TriggerWorker options are refused when the worker is built (or
 * started with options), naming the option and the value, before anything
 * connects. Nothing here needs a Redis server: connections open on first use.
 */
describe('TriggerWorker: bad options', () => {
  const container = createTriggersContainer({ redis: 'redis://127.0.0.1:1', prefix: 'worker-options-spec' });
  after(() => closeTriggersContainer(container));

  it('refuses a container without Redis, saying how to create one', () => {
    expect(() => new TriggerWorker(createTriggersContainer())).to.throw(RunnerConfigurationError, /needs Redis.*createTriggersContainer\(\{ redis/);
  });

  const cases: Array<[string, TriggerWorkerOptions, RegExp]> = [
    ['an empty queue name', { queues: [''] }, /Queue name "" must be non-empty/],
    ['a queue name with ":"', { queues: ['ok', 'a:b'] }, /Queue name "a:b" .*must not contain ":"/],
    ['a concurrency of 0', { concurrency: 0 }, /concurrency must be a positive integer, got 0/],
    ['a fractional concurrency', { concurrency: 1.5 }, /concurrency must be a positive integer, got 1\.5/],
    ['a negative lockDurationMs', { lockDurationMs: -5 }, /lockDurationMs must be a positive integer of milliseconds, got -5/],
    ['a NaN stalledIntervalMs', { stalledIntervalMs: Number.NaN }, /stalledIntervalMs must be a positive integer of milliseconds, got NaN/],
    ['a heartbeatIntervalMs of 0', { heartbeatIntervalMs: 0 }, /heartbeatIntervalMs must be a positive integer of milliseconds, got 0/],
    ['a negative reconcileIntervalMs', { reconcileIntervalMs: -1 }, /reconcileIntervalMs must be a non-negative integer of milliseconds, got -1/],
    ['a fractional reconcileBatch', { reconcileBatch: 2.5 }, /reconcileBatch must be a positive integer, got 2\.5/],
    ['a heartbeat no shorter than the job lock', { lockDurationMs: 1_000, heartbeatIntervalMs: 1_000 }, /heartbeatIntervalMs \(1000\) must be shorter than lockDurationMs \(1000\)/],
  ];

  for (const [label, options, message] of cases) {
    it(`refuses ${label} in the constructor and in start(options), naming it`, async () => {
      expect(() => new TriggerWorker(container, options)).to.throw(RunnerConfigurationError, message);
      const worker = new TriggerWorker(container);
      let error: unknown;
      await worker.start(options).catch((caught: unknown) => {
        error = caught;
      });
      expect(error).to.be.instanceOf(RunnerConfigurationError);
      expect((error as Error).message).to.match(message);
      expect(worker.queues).to.deep.equal(['triggers']);
      await worker.close();
    });
  }

  it('consumes the default queue "triggers" once, however often it is named', () => {
    expect(new TriggerWorker(container).queues).to.deep.equal(['triggers']);
    expect(new TriggerWorker(container, { queues: ['a', 'b', 'a'] }).queues).to.deep.equal(['a', 'b']);
  });
});
