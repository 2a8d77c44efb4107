import { Redis } from 'ioredis';

/** Commands seen by the server while a probe was watching. */
export interface CommandCount {
  /** Commands sent by clients (each one a round trip unless pipelined). */
  client: number;
  /** Commands run inside server-side scripts (no round trip). */
  scripted: number;
  /** Client commands by name. */
  byCommand: Record<string, number>;
}

/**
 * Admin access to the benchmark's private redis-server: flush it between
 * runs (nobody else uses it) and count the commands an operation sends,
 * through MONITOR (commands run inside Lua scripts are counted apart).
 */
export class RedisProbe {
  private readonly admin: Redis;

  constructor(private readonly url: string) {
    this.admin = new Redis(url, { maxRetriesPerRequest: null });
  }

  /** Empties the private server. Never call this on a shared Redis. */
  async flush(): Promise<void> {
    await this.admin.flushall();
  }

  /** Server version string. */
  async version(): Promise<string> {
    const info = await this.admin.info('server');
    return /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  }

  /** CPU seconds the server has used so far (INFO cpu: user + sys). */
  async cpuSeconds(): Promise<number> {
    const info = await this.admin.info('cpu');
    const field = (name: string): number => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
    return field('used_cpu_user') + field('used_cpu_sys');
  }

  /** Runs `fn` while MONITOR records every command, and counts them. */
  async count(fn: () => Promise<void>): Promise<CommandCount> {
    // ioredis switches a connection to monitoring one microtask after MONITOR's "+OK": lines that came in the
    // same read (other clients busy at that moment, before `fn` runs) find no command waiting and are emitted
    // as "Command queue state error"s. They are not part of the count, but with no listener yet (as with
    // `redis.monitor()`) they crash the process: the listener is attached before MONITOR is sent.
    const monitor = new Redis(this.url, { monitor: true, lazyConnect: true });
    const failure = new Promise<never>((_, reject) => {
      monitor.on('error', (error: Error) => {
        if (!error.message.startsWith('Command queue state error')) reject(error);
      });
    });
    failure.catch(() => undefined);
    const monitoring = new Promise<void>((resolve) => monitor.once('monitoring', () => resolve()));
    await monitor.connect();
    await Promise.race([monitoring, failure]);
    const counted: CommandCount = { client: 0, scripted: 0, byCommand: {} };
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      const name = String(args[0] ?? '').toLowerCase();
      if (source === 'lua') {
        counted.scripted += 1;
        return;
      }
      counted.client += 1;
      counted.byCommand[name] = (counted.byCommand[name] ?? 0) + 1;
    });
    try {
      await fn();
      // MONITOR output trails the commands themselves: a PING through another connection marks the end.
      const marker = `bench-probe-end-${Date.now()}`;
      const seen = new Promise<void>((resolve) => {
        monitor.on('monitor', (_t: string, args: string[]) => {
          if (args[0]?.toLowerCase() === 'echo' && args[1] === marker) resolve();
        });
      });
      await this.admin.echo(marker);
      await Promise.race([seen, failure]);
      counted.client -= 1;
      delete counted.byCommand.echo;
    } finally {
      monitor.disconnect();
    }
    return counted;
  }

  /** Closes the admin connection. */
  async close(): Promise<void> {
    await this.admin.quit();
  }
}
