export { ConsoleLogSink } from './ConsoleLogSink';
export type { LogEntry, LogSink } from './LogSink';
export { MemoryLogSink } from './MemoryLogSink';
export { TaskLogger } from './TaskLogger';
export { errorContext, withContext } from './withContext';
export { errorTypeName, failureMetadata } from './failureMetadata';
