import { readFile } from 'node:fs/promises';

/** CPU time (ms) spent by each process of a benchmark side while a block ran. */
export interface CpuSpent {
  /** The redis-server (INFO cpu: user + sys, all its threads). */
  redis: number;
  /** The worker process (/proc/<pid>/stat: utime + stime). */
  worker: number;
  /** This (producer) process (`process.cpuUsage`). */
  producer: number;
}

/**
 * Where the CPU of an operation goes, per process, on a machine whose cores
 * everything shares: the ratio of two sides' throughput cannot beat the
 * ratio of their total CPU per task, which makes a CPU-bound target
 * explainable with numbers from the same run.
 */
export class CpuAccount {
  constructor(
    private readonly redisCpuSeconds: () => Promise<number>,
    private readonly workerPid: number,
  ) {}

  /**
   * Runs `run`, accounting the CPU of the part it passes to its {@link Timed}
   * argument only (its setup is left out), and returns the CPU milliseconds
   * each process spent meanwhile.
   */
  async during(run: (timed: Timed) => Promise<unknown>): Promise<CpuSpent> {
    let spent: CpuSpent | undefined;
    await run(async (block) => {
      const [result, cpu] = await this.around(block);
      spent = cpu;
      return result;
    });
    if (spent === undefined) throw new Error('CpuAccount.during: the run never called its timed block');
    return spent;
  }

  private async around<T>(block: () => Promise<T>): Promise<[T, CpuSpent]> {
    const [redis0, worker0] = await Promise.all([this.redisCpuSeconds(), this.workerCpuMs()]);
    const producer0 = process.cpuUsage();
    const result = await block();
    const producer = process.cpuUsage(producer0);
    const [redis1, worker1] = await Promise.all([this.redisCpuSeconds(), this.workerCpuMs()]);
    return [result, { redis: (redis1 - redis0) * 1000, worker: worker1 - worker0, producer: (producer.user + producer.system) / 1000 }];
  }

  /** utime + stime of the worker process, in ms (0 where /proc is missing). */
  private workerCpuMs(): Promise<number> {
    return processCpuMs(this.workerPid);
  }
}

/** CPU microseconds per unit of work (task, hop) by process, and their sum. */
export function cpuPerUnit(spent: CpuSpent, units: number): Record<string, number> {
  const us = (ms: number): number => Math.round((ms * 1000) / units);
  return { redis: us(spent.redis), worker: us(spent.worker), producer: us(spent.producer), total: us(spent.redis + spent.worker + spent.producer) };
}

/**
 * Wraps the timed part of a benchmark run (after its setup), so a CPU
 * account covers exactly what the clock covers.
 */
export type Timed = <T>(block: () => Promise<T>) => Promise<T>;

/** The identity {@link Timed}. */
export const untimed: Timed = (block) => block();

/** utime + stime of process `pid`, in ms (0 where /proc is missing). */
export async function processCpuMs(pid: number): Promise<number> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name: state is field 3, utime 14, stime 15 (100 ticks per second).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return 0;
  }
}
