import { expect } from 'chai';
import type { Container } from 'inversify';
import {
  Manager,
  RunnerConfigurationError,
  TRIGGERS,
  Task,
  TriggerManager,
  TriggerTask,
  UnknownRunnerError,
  createTriggersContainer,
  runnerToken,
} from '../../src';
import { ThreadingTaskRunner, createTestContainer, expectInstance } from '../../src/testing';
import type { CoreSpecExecutorRunner, CoreSpecParkingRunner, CoreSpecRecordingRunner } from '../support/coreRunners';
import '../support/coreRunners';
import { fireAll, newSession } from '../support/fixtures';
import { expectRejection } from '../support/rejection';

@TriggerTask({ name: 'CoreSpecUsesRecording', using: 'coreSpecRecording' })
export class CoreSpecUsesRecording extends Task {
  run(): void {}
}

@TriggerTask({ name: 'CoreSpecUsesUnknownRunner', using: 'coreSpecNoSuchRunner' })
export class CoreSpecUsesUnknownRunner extends Task {
  run(): void {}
}

/** A manager whose default runner is the recording runner, by overriding the getter. */
@Manager('coreSpecRecordingDefault')
export class CoreSpecRecordingDefaultManager extends TriggerManager {
  override get defaultTaskRunnerName(): string {
    return 'coreSpecRecording';
  }
}

function recording(container: Container): CoreSpecRecordingRunner {
  return container.get<CoreSpecRecordingRunner>(runnerToken('coreSpecRecording'));
}

function acceptedNames(container: Container): string[] {
  return recording(container).accepted.map((entry) => entry.slice(entry.lastIndexOf('/') + 1));
}

describe('runners: choosing and plugging task runners', () => {
  describe('runner priority', () => {
    it("uses the manager's default runner (TRIGGERS.DefaultTaskRunnerName) when nothing says using", async () => {
      const container = createTestContainer({ defaultRunner: 'coreSpecRecording' });
      const { manager } = await newSession({ t_a: { after: ['go'], run: 'DevNullTask' } }, { container });
      expect(manager.defaultTaskRunnerName).to.equal('coreSpecRecording');
      await fireAll(manager, ['go']);
      expect(acceptedNames(container)).to.deep.equal(['t_a#0']);
      await expectInstance(manager, 't_a#0').finished({});
    });

    it('prefers the task class using over the manager default', async () => {
      const { container, manager } = await newSession({ t_a: { after: ['go'], run: 'CoreSpecUsesRecording' } });
      expect(manager.defaultTaskRunnerName).to.equal('threading');
      await fireAll(manager, ['go']);
      expect(acceptedNames(container)).to.deep.equal(['t_a#0']);
      await expectInstance(manager, 't_a#0').finished({});
    });

    it('prefers the configuration using over the task class using', async () => {
      const { container, manager } = await newSession({
        t_a: { after: ['go'], run: 'CoreSpecUsesRecording', using: 'coreSpecParking' },
        t_b: { after: ['go'], run: 'DevNullTask', using: 'coreSpecRecording' },
      });
      await fireAll(manager, ['go']);
      expect(container.get<CoreSpecParkingRunner>(runnerToken('coreSpecParking')).parked).to.deep.equal(['t_a#0']);
      expect(acceptedNames(container)).to.deep.equal(['t_b#0']);
      await expectInstance(manager, 't_a#0').scheduled();
      await expectInstance(manager, 't_b#0').finished({});
    });

    it('lets a manager subclass override defaultTaskRunnerName, for cascades too', async () => {
      const { container, manager } = await newSession(
        {
          t_a: { after: ['go'], run: 'DevNullTask' },
          t_b: { after: ['t_a'], run: 'DevNullTask' },
          t_c: { after: ['t_b'], run: 'DevNullTask', using: 'threading' },
        },
        { manager: 'coreSpecRecordingDefault' },
      );
      expect(manager).to.be.instanceOf(CoreSpecRecordingDefaultManager);
      await fireAll(manager, ['go']);
      expect(acceptedNames(container)).to.deep.equal(['t_a#0', 't_b#0']);
      await expectInstance(manager, 't_c#0').finished({});
    });

    it('switches a container to the in-process runner with rebind(TRIGGERS.DefaultTaskRunnerName)', async () => {
      const container = createTriggersContainer({ defaultRunner: 'coreSpecRefusing' });
      const refused = await newSession({ t_a: { after: ['go'], run: 'DevNullTask' } }, { container });
      await fireAll(refused.manager, ['go']);
      await expectInstance(refused.manager, 't_a#0').failed('CoreSpecRunnerDown');

      container.rebind(TRIGGERS.DefaultTaskRunnerName).toConstantValue('threading');
      const { manager } = await newSession({ t_a: { after: ['go'], run: 'DevNullTask' } }, { container });
      expect(manager.defaultTaskRunnerName).to.equal('threading');
      await fireAll(manager, ['go']);
      await expectInstance(manager, 't_a#0').finished({});
    });
  });

  describe('unknown runners', () => {
    it('refuses a configuration whose using names no runner', async () => {
      const { manager } = await newSession();
      await expectRejection(
        manager.updateConfiguration({ t_a: { after: ['go'], run: 'DevNullTask', using: 'coreSpecNoSuchRunner' } }),
        Error,
        't_a',
        'using',
        'coreSpecNoSuchRunner',
      );
      expect(await manager.storage.getTasks()).to.deep.equal({});
    });

    it('fails fire with UnknownRunnerError (from the task class) before any status changes', async () => {
      const { manager } = await newSession({
        t_a: { after: ['go'], run: 'CoreSpecUsesUnknownRunner' },
        t_b: { after: ['go'], run: 'DevNullTask' },
      });
      await expectRejection(manager.fire('go', { n: 1 }), UnknownRunnerError, 'coreSpecNoSuchRunner', 't_a#0', 'threading');
      await ThreadingTaskRunner.joinAll();
      expect(await manager.storage.getInstances()).to.deep.equal([]);
      expect(await manager.storage.getLatestKwargs()).to.deep.equal({});
    });

    it('fails fire with UnknownRunnerError when the manager default names no runner', async () => {
      const container = createTestContainer({ defaultRunner: 'coreSpecNoSuchRunner' });
      const { manager } = await newSession({ t_a: { after: ['a', 'b'], run: 'DevNullTask' } }, { container });
      await manager.fire('a');
      await expectRejection(manager.fire('b'), UnknownRunnerError, 'coreSpecNoSuchRunner');
      const instance = await expectInstance(manager, 't_a#0').unstarted();
      expect(instance.kwargs).to.deep.equal({ a: {} });
      expect(Object.keys(await manager.storage.getLatestKwargs())).to.deep.equal(['a']);
    });
  });

  describe('custom runners', () => {
    it('run(manager, instance) receives the manager of the session and the instance being scheduled, with its kwargs', async () => {
      const { container, manager } = await newSession({
        t_a: { after: ['go', 'page'], run: 'DevNullTask', using: 'coreSpecRecording' },
      });
      await manager.fire('page', { p: 1 });
      await fireAll(manager, [['go', { n: 2 }]]);
      expect(recording(container).received.filter((call) => call.uid === manager.storage.uid)).to.deep.equal([
        { uid: manager.storage.uid, managerType: 'default', instance: 't_a#0', status: 'scheduled', kwargs: { page: { p: 1 }, go: { n: 2 } } },
      ]);
    });

    it('a runner whose run() throws fails the instance with the error, and fire still resolves', async () => {
      const { manager } = await newSession({
        t_a: { after: ['go'], run: 'DevNullTask', using: 'coreSpecRefusing' },
        t_b: { after: ['go'], run: 'DevNullTask' },
      });
      await fireAll(manager, ['go']);
      const instance = await expectInstance(manager, 't_a#0').failed('CoreSpecRunnerDown');
      expect(instance.metadata.exceptionInfo).to.contain('the queue is down');
      await expectInstance(manager, 't_b#0').finished({});
      // It can be replayed once the runner works again.
      await manager.updateConfiguration({ t_a: { after: ['go'], run: 'DevNullTask' } });
      await manager.replayFailedInstance('t_a#0');
      await ThreadingTaskRunner.joinAll();
      await expectInstance(manager, 't_a#1').finished({});
    });

    it('a runner that executes instances itself through TRIGGERS.TaskExecutor runs a whole chain', async () => {
      const container = createTestContainer({ defaultRunner: 'coreSpecExecutor' });
      const runner = container.get<CoreSpecExecutorRunner>(runnerToken('coreSpecExecutor'));
      const { manager } = await newSession(
        {
          t_a: { after: ['go'], run: 'PassThruTask' },
          t_b: { after: ['t_a'], run: 'PassThruTask' },
          t_c: { after: ['t_b'], run: 'PassThruTask', using: 'threading' },
          t_d: { after: ['t_c'], run: 'PassThruTask' },
        },
        { container },
      );
      await manager.fire('go', { n: 1 });
      await runner.settled();
      await ThreadingTaskRunner.joinAll();
      await runner.settled();
      expect(runner.executed).to.deep.equal(['t_a#0', 't_b#0', 't_d#0']);
      await expectInstance(manager, 't_a#0').finished({ go: { n: 1 } });
      await expectInstance(manager, 't_b#0').finished({ t_a: { go: { n: 1 } } });
      await expectInstance(manager, 't_c#0').finished({ t_b: { t_a: { go: { n: 1 } } } });
      await expectInstance(manager, 't_d#0').finished();
    });

    it('a runner that executes the task inside run() (inside the session lock) is refused with RunnerConfigurationError', async () => {
      const { manager } = await newSession({ t_a: { after: ['go'], run: 'DevNullTask', using: 'coreSpecInsideLock' } });
      await fireAll(manager, ['go']);
      const instance = await expectInstance(manager, 't_a#0').failed(RunnerConfigurationError);
      expect(instance.metadata.exceptionInfo).to.contain('lock');
    });
  });
});
