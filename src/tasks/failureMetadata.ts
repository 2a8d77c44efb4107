import { errorContext } from '../logging';
import { maxLogLevel } from '../model';
import type { InstanceMetadata, LogLevel } from '../model';

/**
 * The metadata a failure records: the error's class name, its stack, the
 * context attached with `withContext`, and a log level of at least `error`.
 */
export function failureMetadata(error: unknown, logLevel?: LogLevel): InstanceMetadata {
  const metadata: InstanceMetadata = {
    exceptionType: errorTypeName(error),
    exceptionInfo: error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error),
    logLevel: maxLogLevel(logLevel, 'error'),
  };
  const context = errorContext(error);
  if (context !== undefined) metadata.exceptionContext = context;
  return metadata;
}

/** `error.constructor.name` (`TypeError`, `MaxRetriesExceeded`), or the typeof of a thrown non-object. */
export function errorTypeName(error: unknown): string {
  if (error !== null && typeof error === 'object') return (error as object).constructor?.name ?? 'Object';
  return typeof error;
}
