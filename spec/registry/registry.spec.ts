import { expect } from 'chai';
import { Container } from 'inversify';
import {
  DuplicateRegistrationError,
  InvalidTaskOptionsError,
  TRIGGERS,
  Task,
  TriggerManager,
  TriggerRegistry,
  TriggerTask,
  UnknownManagerError,
  UnknownStorageError,
  UnknownTaskError,
  bindTriggerClasses,
  createTriggersContainer,
  getManager,
  managerToken,
  resolveNamed,
  runnerToken,
  storageToken,
  taskToken,
} from '../../src';
import type { Kwargs } from '../../src';
import { ThreadingTaskRunner, createTestContainer, expectInstance } from '../../src/testing';
import { fireAll, newSession } from '../support/fixtures';
import { expectRejection } from '../support/rejection';

/** Declares (and so registers) a task class at the moment the test calls it. */
function declareLateTask(name: string): new () => Task {
  @TriggerTask({ name })
  class CoreSpecLateTask extends Task {
    run(): Kwargs {
      return { late: name };
    }
  }
  return CoreSpecLateTask;
}

@TriggerTask({ name: 'CoreSpecRegisteredAlias' })
export class CoreSpecActualClassName extends Task {
  run(): void {}
}

describe('container: registration by name', () => {
  it('decorators only record: the registry knows the class, a container created earlier has not bound it', () => {
    const container = createTestContainer();
    const target = declareLateTask('CoreSpecRecordOnly');
    const registration = TriggerRegistry.global.get('task', 'CoreSpecRecordOnly');
    expect(registration?.target).to.equal(target);
    expect(registration?.options).to.include({ name: 'CoreSpecRecordOnly', maxRetries: 3 });
    expect(TriggerRegistry.nameOf('task', target)).to.equal('CoreSpecRecordOnly');
    expect(container.isBound(taskToken('CoreSpecRecordOnly'))).to.equal(false);
  });

  it('createTriggersContainer() binds every class registered before it, and the default tokens', () => {
    const container = createTriggersContainer();
    for (const token of [
      taskToken('PassThruTask'),
      taskToken('CoreSpecRegisteredAlias'),
      runnerToken('threading'),
      managerToken('default'),
      storageToken('memory'),
    ]) {
      expect(container.isBound(token), String(token)).to.equal(true);
    }
    expect(container.get(TRIGGERS.DefaultTaskRunnerName)).to.equal('threading');
    expect(container.get(TRIGGERS.DefaultStorageName)).to.equal('memory');
    expect(container.get(TRIGGERS.DefaultManagerName)).to.equal('default');
  });

  it('configures an existing container when given one', () => {
    const existing = new Container();
    expect(createTriggersContainer({ container: existing })).to.equal(existing);
    expect(existing.isBound(taskToken('PassThruTask'))).to.equal(true);
  });

  it('bindTriggerClasses(container) binds classes registered after the container was created', () => {
    const container = createTestContainer();
    declareLateTask('CoreSpecBoundLater');
    bindTriggerClasses(container);
    expect(container.isBound(taskToken('CoreSpecBoundLater'))).to.equal(true);
  });

  it('finds a class decorated after the container was created when a configuration runs it', async () => {
    const { manager } = await newSession({ t_a: { after: ['go'], run: 'CoreSpecFoundOnMiss' } });
    declareLateTask('CoreSpecFoundOnMiss');
    await fireAll(manager, ['go']);
    await expectInstance(manager, 't_a#0').finished({ late: 'CoreSpecFoundOnMiss' });
  });

  it('leaves a binding the user made under a registered name alone', async () => {
    const container = createTestContainer();
    @TriggerTask({ name: 'CoreSpecOverridden' })
    class CoreSpecOriginal extends Task {
      run(): Kwargs {
        return { from: 'original' };
      }
    }
    class CoreSpecReplacement extends CoreSpecOriginal {
      override run(): Kwargs {
        return { from: 'replacement' };
      }
    }
    container.rebind(taskToken('CoreSpecOverridden')).to(CoreSpecReplacement);
    bindTriggerClasses(container);
    const { manager } = await newSession({ t_a: { after: ['go'], run: 'CoreSpecOverridden' } }, { container });
    await fireAll(manager, ['go']);
    await expectInstance(manager, 't_a#0').finished({ from: 'replacement' });
  });

  describe('bad @TriggerTask options', () => {
    for (const [label, options, culprit] of [
      ['a negative maxRetries', { name: 'CoreSpecBadRetries', maxRetries: -1 }, /CoreSpecBadOptions.*"CoreSpecBadRetries".*maxRetries.*-1/],
      ['a fractional maxRetries', { name: 'CoreSpecHalfRetries', maxRetries: 1.5 }, /"CoreSpecHalfRetries".*maxRetries.*1\.5/],
      ['an empty name', { name: '' }, /CoreSpecBadOptions.*name must be a non-empty string/],
      ['an empty using', { name: 'CoreSpecEmptyUsing', using: '' }, /"CoreSpecEmptyUsing".*using must be a non-empty string/],
      ['a non-string queue', { name: 'CoreSpecNumberQueue', queue: 7 as unknown as string }, /"CoreSpecNumberQueue".*queue must be a non-empty string, got 7/],
    ] as const) {
      it(`refuses ${label} with InvalidTaskOptionsError naming the class and the option, registering nothing`, () => {
        expect(() => TriggerTask(options)(class CoreSpecBadOptions extends Task { run(): void {} })).to.throw(InvalidTaskOptionsError, culprit);
        if (options.name !== '') expect(TriggerRegistry.global.get('task', options.name)).to.equal(undefined);
      });
    }
  });

  describe('duplicates', () => {
    it('registering a different class under an existing name throws DuplicateRegistrationError naming both', () => {
      declareLateTask('CoreSpecTaken');
      expect(() => declareLateTask('CoreSpecTaken')).to.throw(DuplicateRegistrationError, /"CoreSpecTaken".*CoreSpecLateTask/);
      expect(() => TriggerTask({ name: 'PassThruTask' })(class CoreSpecImpostor extends Task { run(): void {} })).to.throw(
        DuplicateRegistrationError,
        /CoreSpecImpostor.*PassThruTask/,
      );
    });

    it('recording the same class again under its name is a no-op', () => {
      const target = declareLateTask('CoreSpecTwice');
      const options = TriggerRegistry.global.get('task', 'CoreSpecTwice')?.options ?? {};
      expect(() => TriggerRegistry.global.register('task', 'CoreSpecTwice', target, options)).not.to.throw();
      expect(TriggerRegistry.global.get('task', 'CoreSpecTwice')?.target).to.equal(target);
    });

    it('the same name may be used by different kinds (a task and a runner)', () => {
      expect(TriggerRegistry.global.get('runner', 'threading')).not.to.equal(undefined);
      expect(() => declareLateTask('threading')).not.to.throw();
    });
  });

  describe('resolving names', () => {
    it('an unknown task name in run fails the instance with UnknownTaskError listing registered names', async () => {
      const { manager } = await newSession({
        t_a: { after: ['go'], run: 'CoreSpecNoSuchTask' },
        t_b: { after: ['t_a'], run: 'DevNullTask' },
      });
      await fireAll(manager, ['go']);
      const instance = await expectInstance(manager, 't_a#0').failed(UnknownTaskError);
      expect(instance.metadata.exceptionInfo).to.contain('"CoreSpecNoSuchTask"').and.to.contain('PassThruTask');
      await expectInstance(manager, 't_b#0').missing();
    });

    for (const path of ['./spec/support/fixtures', '../../src/testing/tasks/PassThruTask', 'node:fs', 'fs', '/etc/passwd', 'CoreSpecActualClassName']) {
      it(`never resolves ${JSON.stringify(path)} (a path, module or unregistered class name) as a task`, async () => {
        const { manager } = await newSession({ t_a: { after: ['go'], run: path } });
        await fireAll(manager, ['go']);
        await expectInstance(manager, 't_a#0').failed(UnknownTaskError);
      });
    }

    it('resolves a task by its registered name, not its class name', async () => {
      const { manager } = await newSession({ t_a: { after: ['go'], run: 'CoreSpecRegisteredAlias' } });
      await fireAll(manager, ['go']);
      await expectInstance(manager, 't_a#0').finished({});
    });

    it('unknown manager and storage names fail getManager with errors listing the registered names', () => {
      const container = createTestContainer();
      expect(() => getManager(container, 'u', { manager: 'coreSpecNoSuchManager' })).to.throw(UnknownManagerError, /coreSpecNoSuchManager.*default/);
      expect(() => getManager(container, 'u', { storage: 'coreSpecNoSuchStorage' })).to.throw(UnknownStorageError, /coreSpecNoSuchStorage.*memory/);
      expect(() => resolveNamed(container, 'task', 42)).to.throw(UnknownTaskError, /42/);
    });

    it('getManager builds a fresh manager attached to the container, over the default types', () => {
      const container = createTestContainer();
      const one = getManager(container, 'u');
      const two = getManager(container, 'u');
      expect(one).to.be.instanceOf(TriggerManager);
      expect(one).not.to.equal(two);
      expect(one.container).to.equal(container);
      expect(one.typeName).to.equal('default');
    });

    it('runners are one per container', () => {
      const one = createTestContainer();
      const two = createTestContainer();
      expect(one.get(runnerToken('threading'))).to.equal(one.get(runnerToken('threading')));
      expect(one.get(runnerToken('threading'))).not.to.equal(two.get(runnerToken('threading')));
      expect(one.get(runnerToken('threading'))).to.be.instanceOf(ThreadingTaskRunner);
    });

    it('an unregistered manager subclass is refused when it would have to be rebuilt by name', async () => {
      class CoreSpecUnregisteredManager extends TriggerManager {}
      const container = createTestContainer();
      const manager = new CoreSpecUnregisteredManager().attach(container, getManager(container, 'core-spec-unregistered').storage);
      await expectRejection(Promise.resolve().then(() => manager.typeName), UnknownManagerError, 'CoreSpecUnregisteredManager', '@Manager');
    });
  });
});
