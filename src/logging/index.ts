export { ConsoleLogSink } from './ConsoleLogSink';
export type { LogEntry, LogSink } from './LogSink';
export { MemoryLogSink } from './MemoryLogSink';
export { PinoLogSink } from './PinoLogSink';
export type { PinoLike, PinoLogMethod } from './PinoLogSink';
export { TaskLogger } from './TaskLogger';
export { errorContext, withContext } from './withContext';
export { errorTypeName, failureMetadata } from './failureMetadata';
