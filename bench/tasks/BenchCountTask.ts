import { Redis } from 'ioredis';
import { Task, TriggerTask } from '../../src';
import type { TaskContext } from '../../src';
import { DoneCounter } from '../support/DoneCounter';

let counter: DoneCounter | undefined;

/**
 * The last task of a benchmark workflow: counts one completion of the run
 * named in its params (`withParams: { bench: { run, expected } }`) so the
 * benchmark learns the run is over without polling. Connects to
 * `BENCH_REDIS_URL` (set by the benchmark for its worker processes).
 */
@TriggerTask({ name: 'BenchCountTask' })
export class BenchCountTask extends Task {
  async run(ctx: TaskContext): Promise<void> {
    const bench = ctx.triggerKwargs.bench as { run?: unknown; expected?: unknown } | undefined;
    if (typeof bench?.run !== 'string' || typeof bench.expected !== 'number') {
      throw new Error('BenchCountTask needs withParams { bench: { run: string, expected: number } }');
    }
    const url = process.env.BENCH_REDIS_URL;
    if (url === undefined) throw new Error('BenchCountTask needs BENCH_REDIS_URL');
    counter ??= new DoneCounter(new Redis(url));
    await counter.count(bench.run, bench.expected);
  }
}
