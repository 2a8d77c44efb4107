import { expect } from 'chai';
import { Writable } from 'node:stream';
import pino from 'pino';
import { PinoLogSink, Task, TriggerTask, withContext } from '../../src';
import type { Kwargs, TaskContext } from '../../src';
import { createTestContainer } from '../../src/testing';
import { fireAll, newSession } from '../support/fixtures';

@TriggerTask({ name: 'PinoSpecLogs' })
class PinoSpecLogs extends Task {
  run(ctx: TaskContext): Kwargs {
    ctx.logger.debug('looking', { rows: 3 });
    ctx.logger.info('imported');
    return {};
  }
}

@TriggerTask({ name: 'PinoSpecFails' })
class PinoSpecFails extends Task {
  run(): never {
    throw withContext(new RangeError('row out of range'), { row: 7 });
  }
}
void [PinoSpecLogs, PinoSpecFails];

/** A real pino logger writing its JSON lines into `records`. */
function pinoInto(records: Array<Record<string, unknown>>, level: string): pino.Logger {
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.length > 0) records.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return pino({ level, base: { service: 'spec' } }, stream);
}

describe('logging: PinoLogSink routes task logs into a real pino logger', () => {
  it('each entry arrives as one pino record at its level with msg, uid, instance and context', async () => {
    const records: Array<Record<string, unknown>> = [];
    const container = createTestContainer({ logSink: new PinoLogSink(pinoInto(records, 'debug').child({ component: 'triggers' })) });
    const { manager } = await newSession({ t_logs: { after: ['go'], run: 'PinoSpecLogs' } }, { container });
    await fireAll(manager, ['go']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(records.map(({ level, msg, uid, instance, context, component, service }) => ({ level, msg, uid, instance, context, component, service }))).to.deep.equal([
      { level: pino.levels.values.debug, msg: 'looking', uid: manager.storage.uid, instance: 't_logs#0', context: { rows: 3 }, component: 'triggers', service: 'spec' },
      { level: pino.levels.values.info, msg: 'imported', uid: manager.storage.uid, instance: 't_logs#0', context: undefined, component: 'triggers', service: 'spec' },
    ]);
    expect(records[0].time).to.be.a('number');
  });

  it("a task's failure arrives at error level with the error's context; pino's own level filters the rest", async () => {
    const records: Array<Record<string, unknown>> = [];
    const container = createTestContainer({ logSink: new PinoLogSink(pinoInto(records, 'warn')) });
    const { manager } = await newSession({ t_logs: { after: ['go'], run: 'PinoSpecLogs' }, t_fails: { after: ['go'], run: 'PinoSpecFails' } }, { container });
    await fireAll(manager, ['go']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(records).to.have.length(1);
    expect(records[0]).to.include({ level: pino.levels.values.error, msg: 'RangeError: row out of range', uid: manager.storage.uid, instance: 't_fails#0' });
    expect(records[0].context).to.deep.equal({ row: 7 });
  });

  it('a logger that throws does not fail the task', async () => {
    const throwing = () => {
      throw new Error('disk full');
    };
    const container = createTestContainer({ logSink: new PinoLogSink({ debug: throwing, info: throwing, warn: throwing, error: throwing }) });
    const { manager } = await newSession({ t_logs: { after: ['go'], run: 'PinoSpecLogs' } }, { container });
    await fireAll(manager, ['go']);
    expect((await manager.storage.getInstance('t_logs#0')).status).to.equal('finished');
  });
});
