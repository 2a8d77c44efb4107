import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import type { WorkerMessage } from '../workers/workerIpc';

/**
 * A benchmark worker in its own process (as in production: the producer and
 * the workers do not share an event loop). {@link start} resolves once the
 * child announced it consumes jobs; {@link stop} asks it to close gracefully.
 */
export class WorkerProcess {
  private constructor(private readonly child: ChildProcess) {}

  /** Forks `script` (a compiled .js path) with `args` and waits for its 'ready' message. */
  static async start(script: string, args: string[], timeoutMs = 20_000): Promise<WorkerProcess> {
    // BENCH_WORKER_PROF=<dir> profiles the worker processes (node --cpu-prof), for optimisation work.
    const prof = process.env.BENCH_WORKER_PROF;
    const execArgv = prof === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${prof}`];
    const child = fork(script, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`worker ${script} not ready within ${timeoutMs} ms`)), timeoutMs);
      child.on('message', (message: WorkerMessage) => {
        if (message.type === 'ready') {
          clearTimeout(timer);
          resolve();
        } else if (message.type === 'error') {
          clearTimeout(timer);
          reject(new Error(message.message));
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`worker ${script} exited with code ${code} before it was ready`));
      });
    });
    child.removeAllListeners('exit');
    return new WorkerProcess(child);
  }

  /** The child's process id (for CPU accounting). */
  get pid(): number {
    return this.child.pid ?? 0;
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
      await exited;
    }
  }
}
