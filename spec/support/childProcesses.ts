import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** The compiled repository root (`dist/`'s parent), where `node dist/...` runs. */
export const REPO_ROOT = join(__dirname, '..', '..', '..');

/** A spawned Node process with its output collected. */
export interface NodeChild {
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Everything written to stdout so far. */
  stdout(): string;
  /** Resolves on the first output line matching `pattern` (rejects if the process exits first). */
  line(pattern: RegExp): Promise<string>;
  /** Resolves with the exit code (or the signal name). */
  exited: Promise<number | string>;
}

const children = new Set<ChildProcess>();

/** Spawns `node <args>` from the repository root (or `cwd`); {@link killChildren} stops it if the spec forgets. */
export function spawnNode(args: string[], env: NodeJS.ProcessEnv = {}, cwd: string = REPO_ROOT): NodeChild {
  const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let text = '';
  let stdout = '';
  const waiters: Array<{ pattern: RegExp; resolve: (line: string) => void; reject: (error: Error) => void }> = [];
  const check = (): void => {
    for (const waiter of [...waiters]) {
      const found = text.split('\n').find((line) => waiter.pattern.test(line));
      if (found !== undefined) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(found);
      }
    }
  };
  child.stdout?.on('data', (chunk: Buffer) => ((text += chunk.toString()), (stdout += chunk.toString()), check()));
  child.stderr?.on('data', (chunk: Buffer) => ((text += chunk.toString()), check()));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      children.delete(child);
      for (const waiter of waiters.splice(0)) waiter.reject(new Error(`process exited (${code ?? signal}) before printing ${waiter.pattern}:\n${text}`));
      resolve(code ?? signal ?? -1);
    }),
  );
  return {
    child,
    output: () => text,
    stdout: () => stdout,
    line: (pattern) =>
      new Promise((resolve, reject) => {
        waiters.push({ pattern, resolve, reject });
        check();
      }),
    exited,
  };
}

/** SIGKILLs every child still running (call in `afterEach`). */
export async function killChildren(): Promise<void> {
  const running = [...children];
  await Promise.all(
    running.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
}

/** `node dist/src/cli/main.js worker ...` with the spec task fixtures loaded; `connection` is a URL or the connection flags. */
export function spawnWorker(connection: string | string[], prefix: string, extra: string[] = []): NodeChild {
  return spawnNode([
    'dist/src/cli/main.js',
    'worker',
    ...(typeof connection === 'string' ? ['--redis', connection] : connection),
    '--prefix',
    prefix,
    '--require',
    './dist/spec/redis/worker/fixtures/distributedTasks.js',
    ...extra,
  ]);
}
