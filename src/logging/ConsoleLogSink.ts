import { logLevelRank } from '../model';
import type { LogLevel } from '../model';
import type { LogEntry, LogSink } from './LogSink';

/**
 * The default sink: writes messages at or above a threshold (default `warn`,
 * or `TRIGGERS_LOG_LEVEL`) to stderr as one JSON line each.
 */
export class ConsoleLogSink implements LogSink {
  constructor(private readonly threshold: LogLevel = (process.env.TRIGGERS_LOG_LEVEL as LogLevel | undefined) ?? 'warn') {}

  /** Writes `entry` as one JSON line on stderr when its level reaches the threshold. */
  log(entry: LogEntry): void {
    if (logLevelRank(entry.level) < logLevelRank(this.threshold)) return;
    process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);
  }
}
