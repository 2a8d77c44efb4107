import type { LogEntry, LogSink } from './LogSink';

/** Keeps every entry in memory: for tests that assert on what tasks logged. */
export class MemoryLogSink implements LogSink {
  readonly entries: LogEntry[] = [];

  log(entry: LogEntry): void {
    this.entries.push(entry);
  }
}
