import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/testing/RedisServerProcess';

/**
 * A private `redis-server` that can be stopped and started again on the
 * same port with its data (append-only file in a temporary folder): an
 * outage and a recovery, as clients see them. Always on its own free
 * loopback port; {@link remove} stops it and deletes the folder.
 */
export class RestartableRedis {
  private child?: ChildProcess;
  private readonly dir = mkdtempSync(join(tmpdir(), 'triggers-faults-'));

  private constructor(
    readonly port: number,
    private readonly extraArgs: readonly string[] = [],
  ) {}

  /** A server on a free port, not started yet; `extraArgs` go to redis-server after the defaults (e.g. `--replicaof`). */
  static async onFreePort(extraArgs: readonly string[] = []): Promise<RestartableRedis> {
    return new RestartableRedis(await freePort(), extraArgs);
  }

  /** A server on `port`, not started yet; `extraArgs` as for {@link onFreePort}. */
  static onPort(port: number, extraArgs: readonly string[] = []): RestartableRedis {
    return new RestartableRedis(port, extraArgs);
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts the server (again) and waits until it answers PING; `extraArgs` replace the ones it was created with (e.g. another `--replicaof`). */
  async start(extraArgs: readonly string[] = this.extraArgs): Promise<void> {
    if (this.child !== undefined) return;
    const binary = process.env.REDIS_SERVER_BIN ?? 'redis-server';
    const args = [
      ...['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', this.dir],
      ...extraArgs,
    ];
    const child = spawn(binary, args, { stdio: 'ignore' });
    this.child = child;
    const deadline = Date.now() + 10_000;
    while (!(await ping(this.port))) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`redis-server on port ${this.port} did not start`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Stops the server (SIGTERM, waiting for its exit); the data stays for the next start. */
  stop(): Promise<void> {
    return this.signal('SIGTERM');
  }

  /** Kills the server at once (SIGKILL, waiting for its exit), as a crash would. */
  kill(): Promise<void> {
    return this.signal('SIGKILL');
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  }

  /** Stops the server and deletes its data. */
  async remove(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A loopback port nothing listens on (the testing kit's, one definition). */
export { freePort };

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    let data = '';
    socket.once('error', () => resolve(false));
    socket.on('data', (chunk: Buffer) => {
      data += chunk.toString();
      if (data.includes('\r\n')) {
        socket.destroy();
        // A server with a password answers NOAUTH: it is up all the same.
        resolve(data.startsWith('+PONG') || data.startsWith('-NOAUTH'));
      }
    });
    socket.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
  });
}
