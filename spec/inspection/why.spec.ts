import { expect } from 'chai';
import { TaskStatus, UnknownInstanceError, UnknownTaskError, createTriggersContainer, explainInstance, explainTask, getManager, renderWhyReport, why } from '../../src';
import type { WhyReport } from '../../src';
import { ThreadingTaskRunner } from '../../src/testing';
import { fireAll, newSession } from '../support/fixtures';
import { expectRejection } from '../support/rejection';

const NOW = new Date('2030-01-01T00:00:00.000Z');

function adviceActions(report: WhyReport): string[] {
  return report.advice.map((advice) => advice.action);
}

describe('inspection: why', () => {
  it('lists the after triggers an unstarted instance still misses, and advises firing them', async () => {
    const { manager } = await newSession({
      t_a: { after: ['go'], run: 'PassThruTask' },
      t_b: { after: ['t_a', 'ready', 'set'], run: 'PassThruTask' },
    });
    await fireAll(manager, ['ready']);
    const report = await explainInstance(manager, 't_b#0');
    expect(report.status).to.equal(TaskStatus.Unstarted);
    expect(report.missing).to.deep.equal(['t_a', 'set']);
    expect(report.after.map((item) => [item.trigger, item.received])).to.deep.equal([['t_a', false], ['ready', true], ['set', false]]);
    expect(report.advice.map((advice) => advice.command)).to.deep.equal([`triggers fire ${manager.storage.uid} t_a`, `triggers fire ${manager.storage.uid} set`]);
    expect(report.advice[0].text).to.contain('wait for task "t_a" to finish');
    expect(report.routing).to.deep.equal({ runner: 'threading', runnerKnown: true, queue: undefined });
  });

  it('for a task with no instance yet, reads the missing after triggers from the latest kwargs', async () => {
    const { manager } = await newSession({ t_other: { after: ['first'], run: 'PassThruTask' } });
    await fireAll(manager, ['first']);
    await manager.updateConfiguration({ t_late: { after: ['first', 'second'], run: 'PassThruTask' } });
    const report = await why(manager, 't_late', { now: NOW });
    expect(report.subject).to.equal('task');
    expect(report.instance).to.equal(undefined);
    expect(report.status).to.equal('none');
    expect(report.missing).to.deep.equal(['second']);
    expect(report.after.find((item) => item.trigger === 'first')?.received).to.equal(true);
    expect(report.waitedMs).to.equal(undefined);
    expect(renderWhyReport(report)).to.contain('no instance yet').and.to.contain('first: received, second: missing');
  });

  it('says an after trigger that fired before the instance waited for it must fire again', async () => {
    const { manager } = await newSession({ t_b: { after: ['gate', 'other'], run: 'PassThruTask' } });
    await fireAll(manager, ['early', 'other']);
    // t_b#0 waits for `gate`; then its task is changed to wait for `early` too, which fired already.
    await manager.updateConfiguration({ t_b: { after: ['gate', 'other', 'early'], run: 'PassThruTask' } });
    const report = await explainInstance(manager, 't_b#0');
    expect(report.missing).to.deep.equal(['gate', 'early']);
    expect(report.after.find((item) => item.trigger === 'early')).to.deep.include({ received: false, firedEarlier: true });
    expect(report.after.find((item) => item.trigger === 'gate')).to.deep.include({ received: false, firedEarlier: false });
    expect(report.advice.find((advice) => advice.command?.endsWith(' early'))?.text).to.contain('again');
  });

  it('reports an unless that is partly satisfied, naming which fired and which not', async () => {
    const { manager } = await newSession({ t_a: { after: ['go', 'set'], unless: ['u1', 'u2', 'u3'], run: 'PassThruTask' } });
    await fireAll(manager, ['u2', 'go']);
    const report = await explainInstance(manager, 't_a#0');
    expect(report.unless).to.deep.equal({ state: 'partial', fired: ['u2'], missing: ['u1', 'u3'] });
    expect(renderWhyReport(report)).to.contain('partly satisfied: u2 fired; u1, u3 not yet');
  });

  it('explains an abandoned instance: unless met, nothing to do', async () => {
    const { manager } = await newSession({ t_a: { after: ['go', 'set'], unless: ['u1', 'u2'], run: 'PassThruTask' } });
    await fireAll(manager, ['go', 'u1', 'u2']);
    const report = await explainInstance(manager, 't_a#0');
    expect(report.status).to.equal(TaskStatus.Abandoned);
    expect(report.unless.state).to.equal('met');
    expect(adviceActions(report)).to.deep.equal(['nothing']);
    expect(report.advice[0].text).to.contain('abandoned').and.to.contain('u1, u2');
    expect(report.waitedMs).to.equal(undefined);
  });

  it('for a task with no instance whose unless already fired, says its first instance will be abandoned', async () => {
    const { manager } = await newSession({ t_x: { after: ['a'], run: 'PassThruTask' } });
    await fireAll(manager, ['stop']);
    await manager.updateConfiguration({ t_a: { after: ['go'], unless: ['stop'], run: 'PassThruTask' } });
    const report = await why(manager, 't_a');
    expect(report.unless.state).to.equal('met');
    expect(report.advice[0].text).to.contain('will be abandoned');
  });

  it('explains a finished instance: nothing to do, status since its finished timestamp', async () => {
    const { manager } = await newSession({ t_a: { after: ['go'], run: 'PassThruTask' } });
    await fireAll(manager, ['go']);
    const report = await explainInstance(manager, 't_a#0', { now: NOW });
    const instance = await manager.storage.getInstance('t_a#0');
    expect(report.status).to.equal(TaskStatus.Finished);
    expect(report.since).to.equal(instance.metadata.timestamps?.finished);
    expect(report.advice).to.deep.equal([{ action: 'nothing', text: 'nothing: finished' }]);
  });

  it('explains a failed instance: its failure, how long it waited, and replay advice with the exact command', async () => {
    const { manager } = await newSession({ t_a: { after: ['go'], run: 'FailingTask' } });
    await fireAll(manager, ['go']);
    const failedAt = (await manager.storage.getInstance('t_a#0')).metadata.timestamps?.failed as string;
    const now = new Date(Date.parse(failedAt) + 90_000);
    const report = await explainInstance(manager, 't_a#0', { now });
    expect(report.status).to.equal(TaskStatus.Failed);
    expect(report.since).to.equal(failedAt);
    expect(report.waitedMs).to.equal(90_000);
    expect(report.failure?.type).to.equal('DeliberateFailure');
    expect(adviceActions(report)).to.deep.equal(['replay', 'skip']);
    expect(report.advice[0].command).to.equal(`triggers replay ${manager.storage.uid} t_a#0`);
    const text = renderWhyReport(report);
    expect(text).to.contain('failed since').and.to.contain('(1 min 30 s ago)').and.to.contain('DeliberateFailure');
  });

  it('follows a replay: the replayed instance points to its clone, the task to its latest instance', async () => {
    const { manager } = await newSession({ t_a: { after: ['go'], run: 'FailingTask' } });
    await fireAll(manager, ['go']);
    await manager.replayFailedInstance('t_a#0');
    await ThreadingTaskRunner.joinAll();
    const replayed = await explainInstance(manager, 't_a#0');
    expect(replayed.replayedBy).to.equal('t_a#1');
    expect(replayed.advice[0].command).to.equal(`triggers why ${manager.storage.uid} t_a#1`);
    const task = await explainTask(manager, 't_a');
    expect(task.instance).to.equal('t_a#1');
    expect(task.depth).to.equal(1);
    expect(task.parent).to.equal('t_a#0');
    expect(task.instances).to.deep.equal([
      { name: 't_a#0', status: 'replayed' },
      { name: 't_a#1', status: 'failed' },
    ]);
  });

  it('asks the runner for the queue (the BullMQ runner routes by the queue directive), or a given resolver', async () => {
    // A Redis container that never connects: why() only reads the memory session.
    const container = createTriggersContainer({ redis: 'redis://127.0.0.1:1', prefix: 'why-spec', defaultStorage: 'memory' });
    const manager = getManager(container, 'why-queue');
    await manager.updateConfiguration({ t_q: { after: ['go'], run: 'PassThruTask', queue: 'imports' }, t_d: { after: ['go'], run: 'PassThruTask' } });
    expect((await why(manager, 't_q')).routing).to.deep.equal({ runner: 'bullmq', runnerKnown: true, queue: 'imports' });
    expect((await why(manager, 't_d')).routing.queue).to.equal('triggers');
    expect((await why(manager, 't_d', { queueOf: () => 'mine' })).routing.queue).to.equal('mine');
  });

  it('refuses an unknown instance with UnknownInstanceError and an unknown name with UnknownTaskError', async () => {
    const { manager } = await newSession({ t_a: { after: ['go'], run: 'PassThruTask' } });
    await expectRejection(why(manager, 't_a#7'), UnknownInstanceError, 't_a#7');
    await expectRejection(why(manager, 'nothing'), UnknownTaskError, '"nothing"', 'tasks: t_a');
    await expectRejection(explainTask(manager, 't_zz'), UnknownTaskError, 't_zz');
  });
});
