import { expect } from 'chai';
import { InvalidKwargsError, Task, TriggerTask, withContext } from '../../src';
import type { TaskContext, TriggerKwargs } from '../../src';
import { ThreadingTaskRunner, expectInstance } from '../../src/testing';
import { newSession } from '../support/fixtures';

/** Throws whatever non-JSON thing the trigger kwargs ask for. */
@TriggerTask({ name: 'CoreSpecNonJsonOutput' })
export class CoreSpecNonJsonOutput extends Task {
  run(ctx: TaskContext): never {
    const kind = (ctx.triggerKwargs.go as { kind: string }).kind;
    const when = new Date(0);
    switch (kind) {
      case 'skip':
        throw this.skip({ when });
      case 'retryMetadata':
        throw this.retry({ metadata: { when } });
      case 'retryKwargs':
        throw this.retry({ replacementKwargs: { go: { when } } as unknown as TriggerKwargs });
      case 'contextDate':
        throw withContext(new RangeError('out of range'), { when, row: 3 });
      default: {
        const cyclic: Record<string, unknown> = { row: 4 };
        cyclic.self = cyclic;
        throw withContext(new RangeError('cyclic'), cyclic);
      }
    }
  }
}

async function runWith(kind: string) {
  const { manager } = await newSession({ t_a: { after: ['go'], run: 'CoreSpecNonJsonOutput' } });
  await manager.fire('go', { kind });
  await ThreadingTaskRunner.joinAll();
  return manager;
}

describe('tasks: data a task hands back must be JSON too', () => {
  it('skip() with metadata JSON cannot carry fails the instance with InvalidKwargsError naming it', async () => {
    const manager = await runWith('skip');
    const instance = await expectInstance(manager, 't_a#0').failed(InvalidKwargsError);
    expect(instance.metadata.exceptionInfo).to.contain('skip metadata').and.to.contain('when');
  });

  it('retry() with metadata JSON cannot carry fails the instance with InvalidKwargsError, without a replay', async () => {
    const manager = await runWith('retryMetadata');
    const instance = await expectInstance(manager, 't_a#0').failed(InvalidKwargsError);
    expect(instance.metadata.exceptionInfo).to.contain('retry metadata').and.to.contain('when');
    await expectInstance(manager, 't_a#1').missing();
  });

  it('retry() with replacement kwargs JSON cannot carry fails the instance with InvalidKwargsError, without a replay', async () => {
    const manager = await runWith('retryKwargs');
    const instance = await expectInstance(manager, 't_a#0').failed(InvalidKwargsError);
    expect(instance.metadata.exceptionInfo).to.contain('replacement kwargs').and.to.contain('go.when');
    await expectInstance(manager, 't_a#1').missing();
  });

  it('an error whose context JSON cannot carry still fails the instance, with the context in JSON form', async () => {
    const manager = await runWith('contextDate');
    const instance = await expectInstance(manager, 't_a#0').failed(RangeError);
    expect(instance.metadata.exceptionContext).to.deep.equal({ when: '1970-01-01T00:00:00.000Z', row: 3 });
  });

  it('an error whose context is cyclic still fails the instance, saying the context could not be kept', async () => {
    const manager = await runWith('contextCycle');
    const instance = await expectInstance(manager, 't_a#0').failed(RangeError);
    expect(instance.metadata.exceptionInfo).to.contain('cyclic');
    expect(JSON.stringify(instance.metadata.exceptionContext)).to.match(/circular|cyclic/i);
  });
});
