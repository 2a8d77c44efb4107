import type { LogEntry, LogSink } from './LogSink';

/** Keeps every entry in memory: for tests that assert on what tasks logged. */
export class MemoryLogSink implements LogSink {
  /** Every entry logged, in order. */
  readonly entries: LogEntry[] = [];

  /** Keeps `entry`. */
  log(entry: LogEntry): void {
    this.entries.push(entry);
  }
}
