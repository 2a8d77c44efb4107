import type { Container } from 'inversify';
import { closeTriggersContainer, createTriggersContainer, getManager } from '../../src';
import type { RedisNode, TriggerConfiguration, TriggerManager } from '../../src';
import { lanes } from '../support/lanes';
import { untimed } from '../support/CpuAccount';
import type { Timed } from '../support/CpuAccount';
import '../tasks';
import { SideWorker } from './SideWorker';

/**
 * Triggers in production shape: Redis storage and the BullMQ runner in this
 * (producer) process, a {@link TriggerWorker} in a worker process. Sessions
 * are configured before the clock starts; the last task of each workflow is
 * `BenchCountTask`, which signals the end of a run.
 */
export class TriggersSide {
  private constructor(
    private readonly container: Container,
    private readonly worker: SideWorker,
  ) {}

  /**
   * Starts a worker process (concurrency `concurrency`) under key prefix
   * `prefix`; with `cluster`, sessions and queues live on that Redis
   * Cluster (`url` still carries the end-of-run signals).
   */
  static async start(url: string, prefix: string, concurrency: number, cluster?: RedisNode[]): Promise<TriggersSide> {
    const worker = await SideWorker.triggers(url, prefix, concurrency, cluster);
    const container = createTriggersContainer({ redis: cluster === undefined ? url : { cluster }, prefix });
    return new TriggersSide(container, worker);
  }

  private async session(uid: string, config: TriggerConfiguration): Promise<TriggerManager> {
    const manager = getManager(this.container, uid);
    await manager.updateConfiguration(config);
    return manager;
  }

  /** A chain of `length` tasks (`t_i after t_(i-1)`); ms from `fire('go')` to the last task's end. */
  async chain(run: string, length: number, timed: Timed = untimed): Promise<number> {
    const config: TriggerConfiguration = {};
    for (let i = 0; i < length; i += 1) {
      config[`t_${i}`] = { after: [i === 0 ? 'go' : `t_${i - 1}`], run: 'BenchNoopTask' };
    }
    config[`t_${length - 1}`] = { ...config[`t_${length - 1}`], run: 'BenchCountTask', withParams: { bench: { run, expected: 1 } } };
    const manager = await this.session(`chain-${run}`, config);
    return timed(async () => {
      const start = performance.now();
      await manager.fire('go');
      await this.worker.waitFor(run, 120_000);
      return performance.now() - start;
    });
  }

  /**
   * `sessions` sessions of the 3-task workflow (`t_join after [A, B]`,
   * `t_second after [t_join]`, `t_third after [t_second]`); A and B fired by
   * `producers` concurrent producers; ms until every `t_third` ran.
   */
  async workflows(run: string, sessions: number, producers: number, timed: Timed = untimed): Promise<number> {
    const config: TriggerConfiguration = {
      t_join: { after: ['A', 'B'], run: 'BenchNoopTask' },
      t_second: { after: ['t_join'], run: 'BenchNoopTask' },
      t_third: { after: ['t_second'], run: 'BenchCountTask', withParams: { bench: { run, expected: sessions } } },
    };
    return this.fireJoins(run, sessions, producers, config, timed);
  }

  /** `sessions` sessions of `t_join after [A, B]` alone; ms until every join ran. */
  async joins(run: string, sessions: number, producers: number): Promise<number> {
    const config: TriggerConfiguration = {
      t_join: { after: ['A', 'B'], run: 'BenchCountTask', withParams: { bench: { run, expected: sessions } } },
    };
    return this.fireJoins(run, sessions, producers, config);
  }

  private async fireJoins(run: string, sessions: number, producers: number, config: TriggerConfiguration, timed: Timed = untimed): Promise<number> {
    const managers: TriggerManager[] = [];
    await lanes(sessions, producers, async (i) => {
      managers[i] = await this.session(`${run}-s${i}`, config);
    });
    return timed(async () => {
      const start = performance.now();
      await lanes(sessions * 2, producers, async (i) => {
        await managers[i >> 1].fire(i % 2 === 0 ? 'A' : 'B', { i });
      });
      await this.worker.waitFor(run, 300_000);
      return performance.now() - start;
    });
  }

  /** The worker process id (for CPU accounting). */
  get workerPid(): number {
    return this.worker.pid;
  }

  /** Stops the worker process and closes connections. */
  async close(): Promise<void> {
    await this.worker.close();
    await closeTriggersContainer(this.container);
  }
}
