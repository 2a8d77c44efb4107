import type { Kwargs, LogLevel } from '../model';
import type { LogEntry, LogSink } from './LogSink';

/** One of pino's log methods: a merging object first, then the message. */
export type PinoLogMethod = (fields: { uid: string; instance: string; context?: Kwargs }, message: string) => void;

/**
 * The part of a pino logger a {@link PinoLogSink} calls (typed by its shape,
 * so the framework does not depend on pino: a `pino()` logger or a child
 * of one fits, and so does any logger with pino's call signature).
 */
export type PinoLike = Record<LogLevel, PinoLogMethod>;

/**
 * Routes task logs to a pino logger: each entry becomes one pino record at
 * the entry's level, with its message as `msg` and the fields `uid`,
 * `instance` and (when the task attached one) `context`. pino's own level
 * decides what is written. A logger that throws never fails the task.
 *
 * ```ts
 * createTriggersContainer({ redis, prefix, logSink: new PinoLogSink(pino().child({ component: 'triggers' })) });
 * ```
 */
export class PinoLogSink implements LogSink {
  constructor(private readonly logger: PinoLike) {}

  /** Writes `entry` as one record of the logger. */
  log(entry: LogEntry): void {
    try {
      const fields = entry.context === undefined ? { uid: entry.uid, instance: entry.instance } : { uid: entry.uid, instance: entry.instance, context: entry.context };
      this.logger[entry.level](fields, entry.message);
    } catch {
      // A logging failure must not fail the task (the LogSink contract).
    }
  }
}
