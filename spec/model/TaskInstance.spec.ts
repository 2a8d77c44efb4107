import { expect } from 'chai';
import { TaskConfig, TaskInstance, TaskStatus } from '../../src';
import type { TaskConfigEntry } from '../../src';

function config(entry: Partial<TaskConfigEntry> = {}, name = 't_a'): TaskConfig {
  return TaskConfig.fromEntry(name, { after: ['a', 'b'], run: 'DevNullTask', ...entry });
}

function instance(entry: Partial<TaskConfigEntry> = {}, status: TaskStatus = TaskStatus.Unstarted): TaskInstance {
  const created = TaskInstance.create(config(entry), 0);
  created.status = status;
  return created;
}

const ALL = Object.values(TaskStatus);

describe('model: TaskInstance', () => {
  describe('naming', () => {
    it('is named <task>#<n>', () => {
      expect(TaskInstance.create(config({}, 't_importSubject'), 3).name).to.equal('t_importSubject#3');
    });

    it('starts unstarted, with no kwargs, no abandon state and created/lastModified/unstarted timestamps', () => {
      const now = new Date('2024-01-02T03:04:05.678Z');
      const created = TaskInstance.create(config(), 0, {}, now);
      expect(created.status).to.equal('unstarted');
      expect(created.kwargs).to.deep.equal({});
      expect([...created.abandonState]).to.deep.equal([]);
      expect(created.metadata.timestamps).to.deep.equal({
        created: '2024-01-02T03:04:05.678Z',
        lastModified: '2024-01-02T03:04:05.678Z',
        unstarted: '2024-01-02T03:04:05.678Z',
      });
    });
  });

  describe('canSchedule', () => {
    for (const status of ALL) {
      it(`is ${status === 'unstarted'} when the status is ${status}`, () => {
        expect(instance({}, status).canSchedule).to.equal(status === 'unstarted');
      });
    }
  });

  describe('canAbandon', () => {
    it('is false when the task has no unless, whatever was applied', () => {
      const i = instance();
      i.abandonState.add('x');
      expect(i.canAbandon).to.equal(false);
    });

    it('is false while only some unless triggers are in abandonState', () => {
      const i = instance({ unless: ['x', 'y'] });
      i.abandonState.add('x');
      expect(i.canAbandon).to.equal(false);
    });

    it('is true once every unless trigger is in abandonState', () => {
      const i = instance({ unless: ['x', 'y'] });
      i.abandonState.add('x');
      i.abandonState.add('y');
      expect(i.canAbandon).to.equal(true);
    });

    it('is false once the instance is no longer unstarted', () => {
      const i = instance({ unless: ['x'] }, TaskStatus.Scheduled);
      i.abandonState.add('x');
      expect(i.canAbandon).to.equal(false);
    });
  });

  describe('canRun', () => {
    it('is false until every after trigger is a key of kwargs', () => {
      const i = instance();
      i.kwargs.a = {};
      expect(i.canRun).to.equal(false);
      i.kwargs.b = {};
      expect(i.canRun).to.equal(true);
    });

    it('counts only triggers actually received, even named like Object.prototype members', () => {
      const i = instance({ after: ['constructor', 'toString'] });
      expect(i.canRun).to.equal(false);
      expect(i.applyTrigger('constructor', { c: 1 })).to.equal(true);
      expect(i.applyTrigger('toString', { t: 1 })).to.equal(true);
      expect(i.kwargs).to.deep.equal({ constructor: { c: 1 }, toString: { t: 1 } });
      expect(i.canRun).to.equal(true);
    });

    it('requires the andEvery trigger too (it is part of after)', () => {
      const i = instance({ andEvery: 'e' });
      i.kwargs.a = {};
      i.kwargs.b = {};
      expect(i.canRun).to.equal(false);
      i.kwargs.e = {};
      expect(i.canRun).to.equal(true);
    });

    it('is false when the instance can be abandoned', () => {
      const i = instance({ unless: ['x'] });
      i.kwargs.a = {};
      i.kwargs.b = {};
      i.abandonState.add('x');
      expect(i.canRun).to.equal(false);
    });

    it('is false when the instance is not unstarted', () => {
      const i = instance({}, TaskStatus.Failed);
      i.kwargs.a = {};
      i.kwargs.b = {};
      expect(i.canRun).to.equal(false);
    });
  });

  describe('canReplay, canSkip and isResolved', () => {
    const resolved = new Set(['finished', 'abandoned', 'skipped', 'replayed']);
    for (const status of ALL) {
      it(`for ${status}: canReplay=canSkip=${status === 'failed'}, isResolved=${resolved.has(status)}`, () => {
        const i = instance({}, status);
        expect(i.canReplay).to.equal(status === 'failed');
        expect(i.canSkip).to.equal(status === 'failed');
        expect(i.isResolved).to.equal(resolved.has(status));
      });
    }
  });

  describe('depth, cooldown and log flags', () => {
    it('default to 0, 0, no level and unresolved logs', () => {
      const i = instance();
      expect(i.depth).to.equal(0);
      expect(i.cooldown).to.equal(0);
      expect(i.logLevel).to.equal(undefined);
      expect(i.logsResolved).to.equal(false);
    });

    it('read metadata.depth, metadata.cooldown, metadata.logLevel and metadata.logsResolved', () => {
      const i = instance();
      i.metadata = { ...i.metadata, depth: 2, cooldown: 30, logLevel: 'error', logsResolved: true };
      expect(i.depth).to.equal(2);
      expect(i.cooldown).to.equal(30);
      expect(i.logLevel).to.equal('error');
      expect(i.logsResolved).to.equal(true);
    });
  });

  describe('applyTrigger', () => {
    it('stores the kwargs of an after trigger not yet received and reports it', () => {
      const i = instance();
      expect(i.applyTrigger('a', { n: 1 })).to.equal(true);
      expect(i.kwargs).to.deep.equal({ a: { n: 1 } });
    });

    it('does not overwrite the kwargs of an after trigger already received', () => {
      const i = instance();
      i.applyTrigger('a', { n: 1 });
      expect(i.applyTrigger('a', { n: 2 })).to.equal(false);
      expect(i.kwargs).to.deep.equal({ a: { n: 1 } });
    });

    it('adds an unless trigger to abandonState once', () => {
      const i = instance({ unless: ['x'] });
      expect(i.applyTrigger('x', {})).to.equal(true);
      expect([...i.abandonState]).to.deep.equal(['x']);
      expect(i.applyTrigger('x', {})).to.equal(false);
      expect(i.kwargs).to.deep.equal({});
    });

    it('applies the andEvery trigger like an after trigger', () => {
      const i = instance({ andEvery: 'e' });
      expect(i.applyTrigger('e', { page: 1 })).to.equal(true);
      expect(i.applyTrigger('e', { page: 2 })).to.equal(false);
      expect(i.kwargs).to.deep.equal({ e: { page: 1 } });
    });

    it('applies a trigger that is both in after and unless to both', () => {
      const i = instance({ unless: ['a'] });
      expect(i.applyTrigger('a', { n: 1 })).to.equal(true);
      expect(i.kwargs).to.deep.equal({ a: { n: 1 } });
      expect([...i.abandonState]).to.deep.equal(['a']);
    });

    it('ignores a trigger the task does not mention', () => {
      const i = instance({ unless: ['x'] });
      expect(i.applyTrigger('other', { n: 1 })).to.equal(false);
      expect(i.kwargs).to.deep.equal({});
      expect(i.abandonState.size).to.equal(0);
    });

    for (const status of ALL.filter((s) => s !== 'unstarted')) {
      it(`applies nothing to a ${status} instance`, () => {
        const i = instance({ unless: ['x'] }, status);
        expect(i.applyTrigger('a', {})).to.equal(false);
        expect(i.applyTrigger('x', {})).to.equal(false);
        expect(i.kwargs).to.deep.equal({});
        expect(i.abandonState.size).to.equal(0);
      });
    }
  });

  describe('setStatus and touch', () => {
    it('setStatus stamps lastModified and one timestamp per status reached, keeping earlier ones', () => {
      const i = TaskInstance.create(config(), 0, {}, new Date('2024-01-01T00:00:00.000Z'));
      i.setStatus(TaskStatus.Scheduled, new Date('2024-01-01T00:00:01.000Z'));
      i.setStatus(TaskStatus.Running, new Date('2024-01-01T00:00:02.000Z'));
      expect(i.status).to.equal('running');
      expect(i.metadata.timestamps).to.deep.equal({
        created: '2024-01-01T00:00:00.000Z',
        unstarted: '2024-01-01T00:00:00.000Z',
        scheduled: '2024-01-01T00:00:01.000Z',
        running: '2024-01-01T00:00:02.000Z',
        lastModified: '2024-01-01T00:00:02.000Z',
      });
    });

    it('touch only moves lastModified', () => {
      const i = TaskInstance.create(config(), 0, {}, new Date('2024-01-01T00:00:00.000Z'));
      i.touch(new Date('2024-01-01T00:00:09.000Z'));
      expect(i.metadata.timestamps).to.deep.equal({
        created: '2024-01-01T00:00:00.000Z',
        unstarted: '2024-01-01T00:00:00.000Z',
        lastModified: '2024-01-01T00:00:09.000Z',
      });
    });
  });

  describe('records', () => {
    it('round-trips through its record, following the config it is given (the task’s current one)', () => {
      const i = instance({ unless: ['x'] });
      i.applyTrigger('a', { n: 1 });
      i.applyTrigger('x', {});
      const record = JSON.parse(JSON.stringify(i.toRecord()));
      expect(record.task).to.equal('t_a');
      const newer = config({ run: 'PassThruTask', unless: ['x'] });
      const back = TaskInstance.fromRecord(record, newer);
      expect(back.name).to.equal('t_a#0');
      expect(back.config.run).to.equal('PassThruTask');
      expect(back.kwargs).to.deep.equal({ a: { n: 1 } });
      expect([...back.abandonState]).to.deep.equal(['x']);
    });
  });

  describe('transitions', () => {
    it('start() records withParams deep-merged under the kwargs as actualKwargs and moves to running, stamped', () => {
      const target = instance({ withParams: { a: { n: 0, fromParams: true } } }, TaskStatus.Scheduled);
      target.kwargs = { a: { n: 1 }, b: {} };
      const now = new Date('2024-01-02T03:04:05.678Z');
      target.start(now);
      expect(target.status).to.equal('running');
      expect(target.metadata.actualKwargs).to.deep.equal({ a: { n: 1, fromParams: true }, b: {} });
      expect(target.metadata.timestamps).to.include({ running: '2024-01-02T03:04:05.678Z', lastModified: '2024-01-02T03:04:05.678Z' });
    });

    it('changeStatus() merges a private copy of the metadata and sets the status', () => {
      const target = instance({}, TaskStatus.Running);
      target.metadata = { ...target.metadata, keep: 'me', result: { old: true } };
      const metadata = { result: { r: [1] } };
      target.changeStatus(TaskStatus.Finished, metadata);
      metadata.result.r.push(2);
      expect(target.status).to.equal('finished');
      expect(target.metadata).to.include({ keep: 'me' });
      expect(target.metadata.result).to.deep.equal({ r: [1] });
      expect(target.metadata.timestamps).to.have.property('finished');
    });
  });
});
