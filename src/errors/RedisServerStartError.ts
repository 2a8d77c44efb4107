import { TriggersError } from './TriggersError';

/**
 * What {@link RedisServerStartError} knows: the binary that was not found,
 * the exit of a server that stopped early, or the port of one that did not
 * answer in time.
 */
export type RedisServerStartErrorFields =
  | {
      /** The `redis-server` binary that was not found on PATH. */
      binary: string;
    }
  | {
      /** The exit code of the server that stopped before it was ready (null when a signal stopped it). */
      exitCode: number | null;
      /** What the server printed before it stopped. */
      output: string;
    }
  | {
      /** The port the server was started on. */
      port: number;
      /** How long it was given to answer PING, in milliseconds. */
      timeoutMs: number;
    };

/**
 * `RedisServerProcess.start()` (the testing module's private Redis) could
 * not get a `redis-server` answering: the binary is missing, it exited
 * early (its output is in the message), or it did not answer PING in time.
 */
export class RedisServerStartError extends TriggersError {
  /** The binary that was not found, if that is the problem. */
  readonly binary?: string;
  /** The exit code of a server that stopped early (null after a signal). */
  readonly exitCode?: number | null;
  /** What a server that stopped early printed. */
  readonly output?: string;
  /** The port of a server that did not answer in time. */
  readonly port?: number;
  /** How long that server was given, in milliseconds. */
  readonly timeoutMs?: number;

  constructor(fields: RedisServerStartErrorFields) {
    super(RedisServerStartError.describe(fields));
    if ('binary' in fields) {
      this.binary = fields.binary;
    } else if ('output' in fields) {
      this.exitCode = fields.exitCode;
      this.output = fields.output;
    } else {
      this.port = fields.port;
      this.timeoutMs = fields.timeoutMs;
    }
  }

  private static describe(fields: RedisServerStartErrorFields): string {
    if ('binary' in fields) {
      return (
        `Cannot start a private Redis: the "${fields.binary}" binary was not found on PATH ` +
        '(install redis-server, e.g. apt-get install redis-server, or set REDIS_SERVER_BIN)'
      );
    }
    if ('output' in fields) return `redis-server exited with code ${fields.exitCode} before it was ready:\n${fields.output}`;
    return `redis-server on port ${fields.port} did not answer PING within ${fields.timeoutMs} ms`;
  }
}
