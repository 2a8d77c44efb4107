import type { Kwargs, LogLevel } from '../model';

/** One message a task logged. */
export interface LogEntry {
  level: LogLevel;
  message: string;
  context?: Kwargs;
  uid: string;
  instance: string;
}

/**
 * Where task log messages go (the instance itself only keeps the maximum
 * level). Bind `TRIGGERS.LogSink` to route them to pino, winston, etc.
 */
export interface LogSink {
  log(entry: LogEntry): void;
}
