import { expect } from 'chai';
import { logLevelRank, maxLogLevel } from '../../src';

describe('model: log levels', () => {
  it('rank debug < info < warn < error', () => {
    expect(['debug', 'info', 'warn', 'error'].map(logLevelRank)).to.deep.equal([10, 20, 30, 40]);
  });

  it('rank unknown levels 0, including names inherited by every object (toString, constructor)', () => {
    for (const level of [undefined, 'fatal', 'toString', 'constructor', '__proto__']) {
      expect(logLevelRank(level), String(level)).to.equal(0);
    }
  });

  it('maxLogLevel keeps the more severe of two levels, either of which may be missing', () => {
    expect(maxLogLevel('warn', 'error')).to.equal('error');
    expect(maxLogLevel('error', 'debug')).to.equal('error');
    expect(maxLogLevel(undefined, 'info')).to.equal('info');
    expect(maxLogLevel('info', undefined)).to.equal('info');
    expect(maxLogLevel(undefined, undefined)).to.equal(undefined);
  });
});
