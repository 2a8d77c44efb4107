import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisServerStartError } from '../errors';

/**
 * A private `redis-server` on a free loopback port, for tests, examples and
 * benchmarks: it keeps nothing on disk and dies with `stop()` (or with this
 * process). Tests may flush it freely because nobody else uses it.
 *
 * ```ts
 * const redis = await RedisServerProcess.start();
 * const container = createTestContainer({ redis: redis.url });
 * ...
 * await redis.stop();
 * ```
 */
export class RedisServerProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    private readonly dir: string,
  ) {}

  /** The server's process id (undefined if it could not be spawned), e.g. to account its CPU. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** `redis://127.0.0.1:<port>` */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /**
   * Starts a server and waits until it answers PING; `port` (default: a
   * free one) and more `args` for `redis-server` may be given.
   * @throws RedisServerStartError naming the missing `redis-server` binary, or with the server's output
   */
  static async start(options: { binary?: string; timeoutMs?: number; port?: number; args?: readonly string[] } = {}): Promise<RedisServerProcess> {
    const binary = options.binary ?? process.env.REDIS_SERVER_BIN ?? 'redis-server';
    const port = options.port ?? (await freePort());
    const dir = mkdtempSync(join(tmpdir(), 'triggers-redis-'));
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...(options.args ?? [])];
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const spawnError = new Promise<never>((_, reject) => {
      child.once('error', (error: NodeJS.ErrnoException) => {
        reject(
          error.code === 'ENOENT'
            ? new RedisServerStartError({ binary })
            : error,
        );
      });
      child.once('exit', (code) => reject(new RedisServerStartError({ exitCode: code, output })));
    });
    const server = new RedisServerProcess(child, port, dir);
    try {
      await Promise.race([spawnError, waitForPing(port, options.timeoutMs ?? 10_000)]);
    } catch (error) {
      await server.stop();
      throw error;
    }
    child.removeAllListeners('exit');
    child.unref();
    (child.stdout as { unref?: () => void } | null)?.unref?.();
    (child.stderr as { unref?: () => void } | null)?.unref?.();
    return server;
  }

  /** Stops the server and removes its folder. */
  async stop(): Promise<void> {
    if (this.child.pid !== undefined && this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
      this.child.kill('SIGTERM');
      // A ref'd timer: the child is unref'd, so without it an otherwise idle process would exit before 'exit' arrives.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 5000)))]);
      clearTimeout(timer);
      if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A loopback port nothing listens on (at the time of the call). */
export function freePort(port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPing(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await ping(port)) return;
    if (Date.now() > deadline) throw new RedisServerStartError({ port, timeoutMs });
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    let data = '';
    socket.once('error', () => resolve(false));
    socket.on('data', (chunk) => {
      data += chunk.toString();
      if (data.includes('\r\n')) {
        socket.destroy();
        resolve(data.startsWith('+PONG'));
      }
    });
    socket.once('connect', () => socket.write('PING\r\n'));
  });
}
