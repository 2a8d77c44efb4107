/**
 * Severity of a message a task logged. The instance keeps the maximum level
 * logged in metadata `logLevel`, so operators can find instances whose logs
 * need a look (`getInstancesWithUnresolvedLogs`, at `error` and above).
 */
export const LogLevel = { Debug: 'debug', Info: 'info', Warn: 'warn', Error: 'error' } as const;

/** One of the {@link LogLevel} values. */
export type LogLevel = (typeof LogLevel)[keyof typeof LogLevel];

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Numeric rank of a level (higher is more severe); unknown levels rank 0. */
export function logLevelRank(level: string | undefined): number {
  return level !== undefined && Object.hasOwn(ORDER, level) ? ORDER[level as LogLevel] : 0;
}

/** The more severe of two levels (either may be missing). */
export function maxLogLevel(a: LogLevel | undefined, b: LogLevel | undefined): LogLevel | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return logLevelRank(a) >= logLevelRank(b) ? a : b;
}
