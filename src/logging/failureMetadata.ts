import { errorContext } from './withContext';
import { assertJsonObject, maxLogLevel } from '../model';
import type { InstanceMetadata, Kwargs, LogLevel } from '../model';

/**
 * The metadata a failure records: the error's class name, its stack, the
 * context attached with `withContext` (in JSON form, so an unstorable
 * context never prevents recording the failure), and a log level of at
 * least `error`.
 */
export function failureMetadata(error: unknown, logLevel?: LogLevel): InstanceMetadata {
  const metadata: InstanceMetadata = {
    exceptionType: errorTypeName(error),
    exceptionInfo: error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error),
    logLevel: maxLogLevel(logLevel, 'error'),
  };
  const context = errorContext(error);
  if (context !== undefined) metadata.exceptionContext = jsonContext(context);
  return metadata;
}

/** `context` itself when JSON can carry it, else its JSON form, else a note saying why it was dropped. */
function jsonContext(context: Kwargs): Kwargs {
  try {
    assertJsonObject(context, 'error context');
    return context;
  } catch {
    try {
      const converted: unknown = JSON.parse(JSON.stringify(context));
      assertJsonObject(converted, 'error context');
      return converted;
    } catch (error) {
      return { unserializableContext: error instanceof Error ? error.message : String(error) };
    }
  }
}

/** `error.constructor.name` (`TypeError`, `MaxRetriesExceeded`), or the typeof of a thrown non-object. */
export function errorTypeName(error: unknown): string {
  if (error !== null && typeof error === 'object') return (error as object).constructor?.name ?? 'Object';
  return typeof error;
}
