import { expect } from 'chai';
import { ConfigurationValidator, InvalidConfigurationError } from '../../src';

const validator = new ConfigurationValidator({ isKnownRunner: (name) => name === 'threading' });

function refuse(config: unknown, ...fragments: string[]): InvalidConfigurationError {
  let error: unknown;
  try {
    validator.validate(config);
  } catch (caught) {
    error = caught;
  }
  expect(error, 'expected an InvalidConfigurationError').to.be.instanceOf(InvalidConfigurationError);
  for (const fragment of fragments) expect((error as Error).message).to.contain(fragment);
  return error as InvalidConfigurationError;
}

describe('config: ConfigurationValidator', () => {
  describe('accepts', () => {
    it('the example configuration of docs/concepts.md, as task configs', () => {
      const tasks = validator.validate({
        t_importSubject: { after: ['firstPageReceived', 'questionnaireComplete'], run: 'ImportSubject' },
        t_importResponses: { after: ['t_importSubject'], andEvery: 'pageReceived', run: 'ImportResponses' },
        t_importBrowser: { after: ['t_importSubject', 'pageReceived'], unless: ['isEmbeddedApp'], run: 'ImportBrowserMetadata' },
      });
      expect(tasks.map((t) => t.name)).to.deep.equal(['t_importSubject', 't_importResponses', 't_importBrowser']);
      const [subject, responses, browser] = tasks;
      expect([...subject.after]).to.deep.equal(['firstPageReceived', 'questionnaireComplete']);
      expect(subject.run).to.equal('ImportSubject');
      expect(subject.andEvery).to.equal(undefined);
      expect([...browser.unless]).to.deep.equal(['isEmbeddedApp']);
      expect(responses.andEvery).to.equal('pageReceived');
    });

    it('adds andEvery to after implicitly', () => {
      const [task] = validator.validate({ t_a: { after: ['x'], andEvery: 'e', run: 'R' } });
      expect([...task.after].sort()).to.deep.equal(['e', 'x']);
      expect(task.usesTrigger('e')).to.equal(true);
    });

    it('an empty after when andEvery is set', () => {
      const [task] = validator.validate({ t_a: { after: [], andEvery: 'e', run: 'R' } });
      expect([...task.after]).to.deep.equal(['e']);
    });

    it('withParams as an object of objects, and a registered runner in using', () => {
      const [task] = validator.validate({
        t_a: { after: ['x'], run: 'R', withParams: { x: { n: 1, nested: { deep: [1, 'two'] } } }, using: 'threading' },
      });
      expect(task.withParams).to.deep.equal({ x: { n: 1, nested: { deep: [1, 'two'] } } });
      expect(task.using).to.equal('threading');
    });

    it('keeps any other key verbatim in extras', () => {
      const [task] = validator.validate({ t_a: { after: ['x'], run: 'R', priority: 3, owner: { team: 'data' } } });
      expect(task.extras).to.deep.equal({ priority: 3, owner: { team: 'data' } });
    });

    it('an empty configuration', () => {
      expect(validator.validate({})).to.deep.equal([]);
    });
  });

  describe('refuses with InvalidConfigurationError naming the task and the directive', () => {
    const cases: Array<[string, unknown, string]> = [
      ['a missing after', { run: 'R' }, 'after'],
      ['a missing run', { after: ['x'] }, 'run'],
      ['an after that is a string', { after: 'x', run: 'R' }, 'after'],
      ['an after holding a non-string', { after: ['x', 3], run: 'R' }, 'after'],
      ['an after holding an empty name', { after: ['x', ''], run: 'R' }, 'after'],
      ['an empty after without andEvery', { after: [], run: 'R' }, 'after'],
      ['a run that is not a string', { after: ['x'], run: 42 }, 'run'],
      ['an empty run', { after: ['x'], run: '' }, 'run'],
      ['an andEvery that is an array', { after: ['x'], andEvery: ['e'], run: 'R' }, 'andEvery'],
      ['an andEvery that is a number', { after: ['x'], andEvery: 1, run: 'R' }, 'andEvery'],
      ['an unless that is a string', { after: ['x'], unless: 'u', run: 'R' }, 'unless'],
      ['an unless holding a non-string', { after: ['x'], unless: [null], run: 'R' }, 'unless'],
      ['a withParams that is not an object', { after: ['x'], withParams: 'p', run: 'R' }, 'withParams'],
      ['a withParams that is an array', { after: ['x'], withParams: [{ n: 1 }], run: 'R' }, 'withParams'],
      ['a withParams with a non-object value', { after: ['x'], withParams: { x: 1 }, run: 'R' }, 'withParams'],
      ['a withParams with an array value', { after: ['x'], withParams: { x: [1] }, run: 'R' }, 'withParams'],
      ['a using that is not a string', { after: ['x'], using: 3, run: 'R' }, 'using'],
      ['the reserved name __proto__ in after', { after: ['x', '__proto__'], run: 'R' }, 'reserved'],
      ['the reserved name __proto__ in unless', { after: ['x'], unless: ['__proto__'], run: 'R' }, 'unless'],
      ['the reserved name __proto__ as andEvery', { after: ['x'], andEvery: '__proto__', run: 'R' }, 'andEvery'],
      ['a using naming an unknown runner', { after: ['x'], using: 'MgrSpecNoSuchRunner', run: 'R' }, 'MgrSpecNoSuchRunner'],
    ];
    for (const [what, entry, directive] of cases) {
      it(`${what}`, () => {
        refuse({ t_good: { after: ['x'], run: 'R' }, t_bad: entry }, 't_bad', directive);
      });
    }

    it('does not blame a valid task next to an invalid one', () => {
      const error = refuse({ t_good: { after: ['x'], run: 'R' }, t_bad: { after: ['x'] } }, 't_bad');
      expect(error.message).not.to.contain('t_good');
    });

    it('lists every bad task and directive at once', () => {
      refuse({ t_one: { run: 'R' }, t_two: { after: ['x'], andEvery: 5, run: 'R' } }, 't_one', 'after', 't_two', 'andEvery');
    });

    it('the reserved name __proto__ as a task name (as JSON.parse produces it)', () => {
      refuse(JSON.parse('{"__proto__": {"after": ["x"], "run": "R"}}'), '__proto__', 'reserved');
    });

    it('an entry that is not an object', () => {
      refuse({ t_bad: ['x'] }, 't_bad');
      refuse({ t_bad: null }, 't_bad');
    });

    it('a configuration that is not an object', () => {
      refuse([{ after: ['x'], run: 'R' }]);
      refuse('t_a');
      refuse(null);
    });
  });

  describe('refuses values JSON cannot carry, naming the task and the path', () => {
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['a function in withParams', { withParams: { x: { f: () => 1 } } }, 'withParams'],
      ['a Date in withParams', { withParams: { x: { when: new Date(0) } } }, 'withParams'],
      ['NaN in withParams', { withParams: { x: { n: Number.NaN } } }, 'withParams'],
      ['Infinity in an extra', { weight: Number.POSITIVE_INFINITY }, 'weight'],
      ['a BigInt in an extra', { big: BigInt(1) }, 'big'],
      ['undefined in an extra', { missing: undefined }, 'missing'],
      ['a class instance in an extra', { map: new Map() }, 'map'],
    ];
    for (const [what, extra, path] of cases) {
      it(what, () => {
        refuse({ t_bad: { after: ['x'], run: 'R', ...extra } }, 't_bad', path);
      });
    }

    it('a cycle', () => {
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      refuse({ t_bad: { after: ['x'], run: 'R', extra: cyclic } }, 't_bad', 'circular');
    });
  });
});
