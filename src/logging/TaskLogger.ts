import { maxLogLevel } from '../model';
import type { Kwargs, LogLevel } from '../model';
import type { LogSink } from './LogSink';

/**
 * The logger a task gets in its context. Messages go to the container's
 * {@link LogSink}; the most severe level logged is recorded into the
 * instance (`logLevel`) when the run ends, so unresolved errors can be found
 * later without reading log files.
 */
export class TaskLogger {
  private max?: LogLevel;

  constructor(
    private readonly sink: LogSink,
    private readonly uid: string,
    private readonly instance: string,
  ) {}

  /** Most severe level logged so far (undefined when nothing was logged). */
  get maxLevel(): LogLevel | undefined {
    return this.max;
  }

  /** Logs at `debug` (details useful while developing a task). */
  debug(message: string, context?: Kwargs): void {
    this.log('debug', message, context);
  }

  /** Logs at `info` (what the task did). */
  info(message: string, context?: Kwargs): void {
    this.log('info', message, context);
  }

  /** Logs at `warn` (something odd the task could handle). */
  warn(message: string, context?: Kwargs): void {
    this.log('warn', message, context);
  }

  /** Logs at `error`: the instance then shows up in `getInstancesWithUnresolvedLogs()` until marked resolved. */
  error(message: string, context?: Kwargs): void {
    this.log('error', message, context);
  }

  /** Logs at `level` with optional context attached to the message. */
  log(level: LogLevel, message: string, context?: Kwargs): void {
    this.max = maxLogLevel(this.max, level);
    this.sink.log({ level, message, context, uid: this.uid, instance: this.instance });
  }
}
