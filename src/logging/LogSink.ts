import type { Kwargs, LogLevel } from '../model';

/** One message a task logged. */
export interface LogEntry {
  /** Severity the task logged at. */
  level: LogLevel;
  /** The message as the task wrote it. */
  message: string;
  /** Context object attached to the message, if any. */
  context?: Kwargs;
  /** Session uid of the running instance. */
  uid: string;
  /** Name of the running instance (`t_import#0`). */
  instance: string;
}

/**
 * Where task log messages go (the instance itself only keeps the maximum
 * level). Bind `TRIGGERS.LogSink` to route them to pino, winston, etc.
 */
export interface LogSink {
  /** Receives one entry; must not throw (a logging failure should not fail the task). */
  log(entry: LogEntry): void;
}
