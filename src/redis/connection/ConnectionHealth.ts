import type { Redis } from 'ioredis';

/** One line about the health of a container's Redis connections. */
export interface ConnectionLogEntry {
  /** `warn` when an outage begins, `info` when the connections are back. */
  readonly level: 'warn' | 'info';
  readonly message: string;
  /** Where the connections go (`host:port`). */
  readonly target: string;
}

/** Where a container's connection-health lines go (`createTriggersContainer({ connectionLog })`). */
export type ConnectionLog = (entry: ConnectionLogEntry) => void;

/** The default {@link ConnectionLog}: one plain line on stderr. */
export const stderrConnectionLog: ConnectionLog = (entry) => {
  process.stderr.write(`triggers: ${entry.message}\n`);
};

/**
 * Watches the ioredis clients of one container and reports an outage once:
 * the first error while every client was fine is logged (`warn`, with the
 * target and the error); when every client that failed is ready again,
 * `reconnected after N s` (`info`). Every client the wing creates has this
 * error listener, so ioredis never prints an "Unhandled error event", and
 * the retries in between stay quiet.
 */
export class ConnectionHealth {
  private readonly down = new Set<object>();
  private outageStartedAt?: number;
  private refusal?: Error;

  constructor(
    readonly target: string,
    private readonly log: ConnectionLog,
  ) {}

  /** Whether an outage was reported and is not over. */
  get inOutage(): boolean {
    return this.outageStartedAt !== undefined;
  }

  /**
   * The server's refusal of the credentials (`WRONGPASS`, `NOAUTH`) since
   * a client last became ready, if any: waiting cannot help, so operations
   * fail at once instead of after their timeout.
   */
  get credentialsRefused(): Error | undefined {
    return this.refusal;
  }

  /** Listens to `client`'s errors and reconnections (returns it, for chaining). */
  watch<C extends Redis>(client: C): C {
    client.on('error', (error: Error) => this.failed(client, error));
    client.on('reconnecting', () => this.down.add(client));
    client.on('ready', () => this.recovered(client));
    client.on('end', () => this.forget(client));
    return client;
  }

  /**
   * Handles an error BullMQ reported for a watched client: a connection
   * error is already part of the outage this object reported; anything
   * else is logged (`warn`) as it is.
   */
  report(error: Error): void {
    if (!isConnectionError(error)) this.emit('warn', `Redis at ${this.target}: ${error.name}: ${error.message}`);
  }

  private failed(client: object, error: Error): void {
    this.down.add(client);
    if (isCredentialsRefusal(error)) this.refusal = error;
    if (this.outageStartedAt !== undefined) return;
    this.outageStartedAt = Date.now();
    this.emit('warn', `Redis at ${this.target} is unreachable (${error.message}); retrying, operations fail with StorageUnavailableError meanwhile`);
  }

  private recovered(client: object): void {
    this.down.delete(client);
    this.refusal = undefined;
    if (this.down.size > 0 || this.outageStartedAt === undefined) return;
    const seconds = (Date.now() - this.outageStartedAt) / 1000;
    this.outageStartedAt = undefined;
    this.emit('info', `Redis at ${this.target} reconnected after ${seconds.toFixed(1)} s`);
  }

  private forget(client: object): void {
    this.down.delete(client);
    if (this.down.size === 0) this.outageStartedAt = undefined;
  }

  private emit(level: ConnectionLogEntry['level'], message: string): void {
    try {
      this.log({ level, message, target: this.target });
    } catch {
      // A logging failure must not become a connection error.
    }
  }
}

/**
 * Whether `error` says the connection failed (refused, reset, closed, timed
 * out) rather than the server answering with an error.
 */
export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  // A demoted primary refuses writes until the client reconnects to the new one (RedisEndpoint reconnects on it): nothing was applied.
  if (error.message.startsWith('READONLY')) return true;
  // A Cluster slot without a master (a failover under way), being migrated, or moved to a node that does not answer
  // (a redirection the client could not follow in time, e.g. inside a pipeline): the command was refused, not applied.
  if (/^(CLUSTERDOWN|TRYAGAIN|MOVED|ASK)\b/.test(error.message)) return true;
  if (error.name === 'ReplyError') return false;
  const code = (error as NodeJS.ErrnoException).code;
  if (typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|ECONNABORTED)$/.test(code)) {
    return true;
  }
  // "Command aborted due to connection close": an auto-pipelined batch cut off after a partial reply (a primary killed mid-batch).
  return /Connection is closed|Stream isn't writeable|max retries per request|Command timed out|connect ETIMEDOUT|Socket closed unexpectedly|All sentinels are unreachable|Failed to connect to any sentinel|Too many Cluster redirections|Failed to refresh slots cache|None of startup nodes is available|Cluster isn't ready|Cluster is ended|Command aborted due to connection close/i.test(error.message);
}

/** Whether `error` is the server refusing the connection's credentials (a wrong password or user, or none given). */
export function isCredentialsRefusal(error: unknown): error is Error {
  return error instanceof Error && /^(WRONGPASS|NOAUTH)\b|invalid password|invalid username-password pair/i.test(error.message);
}
