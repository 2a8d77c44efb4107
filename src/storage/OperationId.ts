import { randomBytes } from 'node:crypto';
import { InvalidIdempotencyKeyError, InvalidStorageSettingsError } from '../errors';

/** Longest idempotency key accepted, in UTF-16 code units. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 1024;

/** How long a storage remembers an operation applied under an idempotency key, by default (24 hours). */
export const DEFAULT_IDEMPOTENCY_WINDOW_SECONDS = 86_400;

/** Ids of this process: a random head (no `:`, so never `k:`), then a counter. */
const head = `${randomBytes(12).toString('base64url')}.`;
let counter = 0;

/** How many sent ids {@link OperationId.isFirstSend} keeps apart before it forgets them all. */
const SENT_LIMIT = 100_000;
/** The counters of the ids of this process sent so far, above {@link sentFloor}. */
const sent = new Set<number>();
/** Every id of this process with a counter up to this one counts as sent. */
let sentFloor = 0;

/**
 * The ids that make every mutation apply at most once however often it is
 * sent (docs/ARCHITECTURE.md, "Operation ids"). Each public manager
 * operation takes one id when it is called and carries it to every script
 * it sends; a storage that remembers applied ids answers a repeat with the
 * first outcome instead of applying it again. An internal id is unique
 * (a random per-process head and a counter: no per-call randomness); an
 * idempotency key given by the application becomes `k:<key>`, the same in
 * every process.
 */
export class OperationId {
  /** A fresh internal id. */
  static next(): string {
    return head + (++counter).toString(36);
  }

  /** The id of an operation the application keyed with `key` (validated). */
  static forKey(key: unknown): string {
    OperationId.assertValidKey(key);
    return `k:${key}`;
  }

  /**
   * Whether this is the first time `id` is sent to a storage, so that no
   * earlier send can have applied it and the storage need not look it up:
   * true once for each internal id of this process (from {@link next}),
   * false for every later call and for any other id. Forgetting is safe:
   * past {@link SENT_LIMIT} ids, every id issued so far counts as sent.
   */
  static isFirstSend(id: string): boolean {
    if (!id.startsWith(head)) return false;
    const rest = id.slice(head.length);
    if (!/^[0-9a-z]+$/.test(rest)) return false;
    const n = parseInt(rest, 36);
    if (n <= sentFloor || n > counter || sent.has(n)) return false;
    if (sent.size >= SENT_LIMIT) {
      sent.clear();
      sentFloor = counter;
      return false;
    }
    sent.add(n);
    return true;
  }

  /** Whether `id` comes from an application's idempotency key (remembered for the whole window). */
  static isKeyed(id: string): boolean {
    return id.startsWith('k:');
  }

  /** Throws {@link InvalidIdempotencyKeyError} unless `key` is a non-empty string of at most {@link MAX_IDEMPOTENCY_KEY_LENGTH} code units. */
  static assertValidKey(key: unknown): asserts key is string {
    if (typeof key !== 'string') throw new InvalidIdempotencyKeyError({ key, problem: 'not-a-string' });
    if (key.length === 0) throw new InvalidIdempotencyKeyError({ key, problem: 'empty' });
    if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
      throw new InvalidIdempotencyKeyError({ key, problem: 'too-long', limit: MAX_IDEMPOTENCY_KEY_LENGTH });
    }
  }

  /** Throws {@link InvalidStorageSettingsError} unless `seconds` is a usable `idempotencyWindowSeconds` (a positive whole number). */
  static assertValidWindow(seconds: unknown): asserts seconds is number {
    if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 1) {
      throw new InvalidStorageSettingsError({
        setting: 'idempotencyWindowSeconds',
        value: seconds,
        reason: `idempotencyWindowSeconds must be a positive whole number of seconds, got ${String(seconds)}`,
      });
    }
  }
}
