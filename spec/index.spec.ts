import { expect } from 'chai';
import * as triggers from 'triggers-ts';
import * as testing from 'triggers-ts/testing';
import { REPO_ROOT } from './support/repoRoot';
import { Container } from 'inversify';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/** What a fresh Node process running `script` (CommonJS, from the repository root) prints. */
async function runNode(script: string): Promise<string> {
  return (await promisify(execFile)(process.execPath, ['-e', script], { cwd: REPO_ROOT })).stdout;
}

/**
 * The public names (docs/README.md lists them), imported the way applications do
 * (the package root and `triggers-ts/testing`), so a rename breaks here first.
 */
describe('public API (package root and triggers-ts/testing)', () => {
  const rootNames = [
    'createTriggersContainer', 'TRIGGERS', 'getManager', 'bindTriggerClasses',
    'TriggerTask', 'Task', 'TaskContext', 'withContext', 'MaxRetriesExceeded',
    'Runner', 'Manager', 'Storage', 'BaseTaskRunner', 'ThreadingTaskRunner', 'BullMQTaskRunner', 'TriggerWorker',
    'TriggerManager', 'StorageBackend', 'MemoryStorageBackend', 'RedisStorageBackend',
    'TaskStatus', 'TaskConfig', 'TaskInstance',
    'InvalidConfigurationError', 'UnknownInstanceError',
  ] as const;

  for (const name of rootNames) {
    it(`exports ${name} from the package root`, () => {
      expect((triggers as Record<string, unknown>)[name], name).to.not.equal(undefined);
    });
  }

  const testingNames = [
    'createTestContainer', 'PassThruTask', 'DevNullTask', 'FailingTask', 'SelfSkippingTask', 'SelfRetryingTask',
    'expectInstance', 'expectUnresolvedTasks', 'expectUnresolvedInstances', 'RedisServerProcess',
  ] as const;

  for (const name of testingNames) {
    it(`exports ${name} from the testing entry only, not from the package root`, () => {
      expect((testing as Record<string, unknown>)[name], name).to.not.equal(undefined);
      expect((triggers as Record<string, unknown>)[name], name).to.equal(undefined);
    });
  }

  it('exports ThreadingTaskRunner (a real runner) from both entries, as the same class', () => {
    expect(testing.ThreadingTaskRunner).to.equal(triggers.ThreadingTaskRunner);
  });

  it('registers no ready-made test task when an application imports the package root', async () => {
    const script = [
      "const root = require('triggers-ts');",
      "process.stdout.write(JSON.stringify(root.TriggerRegistry.global.names('task')));",
    ].join('\n');
    const names = JSON.parse(await runNode(script)) as string[];
    expect(names).to.deep.equal([]);
    const withTesting = JSON.parse(await runNode(`require('triggers-ts/testing');\n${script}`)) as string[];
    expect(withTesting).to.include.members(['PassThruTask', 'DevNullTask', 'FailingTask', 'SelfSkippingTask', 'SelfRetryingTask']);
  });

  it('loads the dashboard web framework only when a dashboard is made, not when the package root is imported', async () => {
    const honoLoaded = "Object.keys(require.cache).some((file) => /[\\\\/]node_modules[\\\\/](hono|@hono)[\\\\/]/.test(file))";
    const script = [
      "require('reflect-metadata');",
      "const root = require('triggers-ts');",
      `const atImport = ${honoLoaded};`,
      'root.createDashboard(root.createTriggersContainer());',
      `process.stdout.write(JSON.stringify([atImport, ${honoLoaded}]));`,
    ].join('\n');
    expect(JSON.parse(await runNode(script))).to.deep.equal([false, true]);
  });

  it('names the default tokens as documented, with the embedded defaults', () => {
    const container: Container = triggers.createTriggersContainer();
    expect(container.get(triggers.TRIGGERS.DefaultTaskRunnerName)).to.equal('threading');
    expect(container.get(triggers.TRIGGERS.DefaultStorageName)).to.equal('memory');
    expect(container.get(triggers.TRIGGERS.DefaultManagerName)).to.equal('default');
    expect(container.get(triggers.TRIGGERS.ManagerFactory)).to.be.a('function');
  });

  it('switches a Redis-configured container to in-process execution with the documented rebind', () => {
    const container = triggers.createTriggersContainer({ redis: 'redis://127.0.0.1:1', prefix: 'api-spec' });
    expect(container.get(triggers.TRIGGERS.DefaultTaskRunnerName)).to.equal('bullmq');
    expect(container.get(triggers.TRIGGERS.DefaultStorageName)).to.equal('redis');
    container.rebind(triggers.TRIGGERS.DefaultTaskRunnerName).toConstantValue('threading');
    expect(container.get(triggers.TRIGGERS.DefaultTaskRunnerName)).to.equal('threading');
  });

  it('runs the example configuration of docs/concepts.md end to end through the root exports only', async () => {
    const container = testing.createTestContainer();
    const manager = triggers.getManager(container, 'api-spec-session');
    await manager.updateConfiguration({
      t_importSubject: { after: ['firstPageReceived', 'questionnaireComplete'], run: 'PassThruTask' },
      t_importResponses: { after: ['t_importSubject'], andEvery: 'pageReceived', run: 'PassThruTask' },
      t_importBrowser: { after: ['t_importSubject', 'pageReceived'], unless: ['isEmbeddedApp'], run: 'PassThruTask' },
    });
    await manager.fire('isEmbeddedApp');
    await manager.fire('pageReceived', { page: 1 });
    await manager.fire('firstPageReceived', { subject: 7 });
    await manager.fire('questionnaireComplete');
    await triggers.ThreadingTaskRunner.joinAll();
    await testing.expectInstance(manager, 't_importSubject#0').finished({ firstPageReceived: { subject: 7 }, questionnaireComplete: {} });
    await testing.expectInstance(manager, 't_importResponses#0').finished();
    await testing.expectInstance(manager, 't_importBrowser#0').abandoned();
    await testing.expectUnresolvedTasks(manager, []);
    expect((await manager.storage.getInstance('t_importSubject#0')).status).to.equal(triggers.TaskStatus.Finished);
  });

  it('takes metadata typed by an application interface where the API says object (updateInstanceMetadata, updateInstanceStatus, skip, retry)', async () => {
    /** An interface has no index signature: it only fits where the parameter type is `object`. */
    interface AuditNote { reviewedBy: string; ticket: number }
    const note: AuditNote = { reviewedBy: 'ops', ticket: 7 };
    const manager = triggers.getManager(testing.createTestContainer(), 'api-spec-metadata');
    await manager.updateConfiguration({ t_a: { after: ['go'], run: 'FailingTask' } });
    await manager.fire('go');
    await triggers.ThreadingTaskRunner.joinAll();
    await manager.updateInstanceMetadata('t_a#0', note);
    const updated = await manager.updateInstanceStatus('t_a#0', triggers.TaskStatus.Failed, { metadata: note });
    expect(updated.metadata).to.deep.include({ reviewedBy: 'ops', ticket: 7 });
    class NoteTask extends triggers.Task {
      run(): never {
        throw this.retry({ metadata: note });
      }
    }
    expect(new NoteTask().skip(note)).to.have.property('metadata').that.deep.equals(note);
  });
});
