import { inject, injectable } from 'inversify';
import type { Redis } from 'ioredis';
import type { RedisSettings } from './RedisSettings';
import { TRIGGERS } from '../../registry/tokens';
import { InvalidStorageSettingsError, StorageUnavailableError, TriggersError } from '../../errors';
import { KeyRoutedCommand } from './KeyRoutedCommand';
import { ConnectionHealth, isConnectionError, isCredentialsRefusal, stderrConnectionLog } from './ConnectionHealth';
import { RedisSessionKeys } from '../storage/RedisSessionKeys';
import type { SessionShards } from '../storage/SessionShards';
import { RedisSessionLocks } from '../storage/RedisSessionLocks';
import { TaskConfigCache } from '../storage/TaskConfigCache';
import { JobHandoffs } from '../worker/JobHandoffs';
import type { RedisLockOptions } from '../storage/RedisSessionLocks';
import { DEFAULT_IDEMPOTENCY_WINDOW_SECONDS, OperationId } from '../../storage/OperationId';

const DEFAULT_LOCK_TTL_MS = 10_000;
const DEFAULT_LOCK_TIMEOUT_MS = 30_000;
const DEFAULT_OPERATION_TIMEOUT_MS = 10_000;
/** Added to the internal ids' window, over the operation timeouts (timers, a reconnection). */
const INTERNAL_WINDOW_MARGIN_MS = 30_000;
/** How far clocks may disagree (or step back) without an applied operation id being missed; `OPERATION_SKEW_MS` of `includes/operationOf.lua`. */
const OPERATION_SKEW_MS = 1000;
/** How many sessions' keys {@link RedisConnection.keysFor} keeps (then it starts over). */
const RECENT_KEYS = 1024;


/**
 * The container's one ioredis connection (bound as a singleton to
 * `TRIGGERS.RedisConnection`), shared by every Redis storage backend the
 * container builds. It connects lazily, on the first command, so importing
 * Triggers or creating a container never opens a socket; close it with
 * {@link quit} (or `closeTriggersContainer(container)`) so processes exit.
 *
 * Auto-pipelining is on: commands issued in the same tick (parallel reads,
 * operations on many sessions) travel in one write to the server.
 *
 * Bounded waits: the storage sends its commands through {@link call}, which
 * sends only on a ready connection (waiting for one at most
 * `operationTimeoutMs`), and ioredis gives up on a reply after the same
 * time. Commands are never queued offline by ioredis and never re-sent
 * after a reconnection, so a command that failed is not applied later
 * behind the caller's back.
 */
@injectable()
export class RedisConnection {
  private client?: Redis;
  private closed = false;
  /** The session locks taken through this connection. */
  readonly locks = new RedisSessionLocks((uid, operation, command) => this.call(uid, operation, command));
  /** Lock timings derived from the settings. */
  readonly lockOptions: RedisLockOptions;
  /** Milliseconds a round trip may wait for a connection, then for its reply. */
  readonly operationTimeoutMs: number;
  /** Reports outages of this container's connections once each (shared by its BullMQ clients). */
  readonly health: ConnectionHealth;
  /** Milliseconds an operation applied under an idempotency key is remembered. */
  private readonly keyedWindowMs: number;
  /** Milliseconds an operation with an internal id is remembered: long enough for every re-send of it (see {@link operationWindowMs}). */
  private readonly internalWindowMs: number;
  /** Resolves on the client's next `ready` (shared by every command waiting for it, so they leave in order). */
  private ready?: Promise<void>;

  constructor(@inject(TRIGGERS.RedisSettings) readonly settings: RedisSettings) {
    RedisSessionKeys.assertValidPrefix(settings.prefix);
    this.shards = settings.endpoint.shardsOf(settings.prefix);
    const ttlMs = settings.lockTtlMs ?? DEFAULT_LOCK_TTL_MS;
    const renewMs = settings.lockRenewMs ?? Math.floor(ttlMs / 3);
    const timeoutMs = settings.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
    for (const [name, value] of Object.entries({ lockTtlMs: ttlMs, lockRenewMs: renewMs, lockTimeoutMs: timeoutMs })) {
      if (!Number.isFinite(value) || value < 0 || (name === 'lockTtlMs' && value < 10)) {
        throw new InvalidStorageSettingsError({
          setting: name,
          value,
          reason: `Redis setting ${name} must be a number of milliseconds (lockTtlMs at least 10), got ${value}`,
        });
      }
    }
    const ttl = settings.sessionTtlSeconds;
    if (ttl !== undefined && !(Number.isInteger(ttl) && ttl > 0)) {
      throw new InvalidStorageSettingsError({
        setting: 'sessionTtlSeconds',
        value: ttl,
        reason: `Redis setting sessionTtlSeconds must be a positive whole number of seconds, got ${ttl}`,
      });
    }
    this.lockOptions = { ttlMs, renewMs, timeoutMs };
    const operationTimeoutMs = settings.operationTimeoutMs ?? DEFAULT_OPERATION_TIMEOUT_MS;
    if (!Number.isInteger(operationTimeoutMs) || operationTimeoutMs < 1) {
      throw new InvalidStorageSettingsError({
        reason: `Redis setting operationTimeoutMs must be a positive whole number of milliseconds, got ${operationTimeoutMs}`,
        setting: 'operationTimeoutMs',
        value: operationTimeoutMs,
      });
    }
    this.operationTimeoutMs = operationTimeoutMs;
    const replication = settings.replication;
    if (
      replication !== undefined &&
      !(Number.isInteger(replication.replicas) && replication.replicas >= 1 && Number.isInteger(replication.timeoutMs) && replication.timeoutMs >= 1 && replication.timeoutMs < operationTimeoutMs)
    ) {
      throw new InvalidStorageSettingsError({
        setting: 'replication',
        value: replication,
        reason:
          `Redis setting replication must be { replicas: a whole number >= 1, timeoutMs: whole milliseconds below operationTimeoutMs (${operationTimeoutMs}) }, ` +
          `got ${JSON.stringify(replication)}`,
      });
    }
    const windowSeconds = settings.idempotencyWindowSeconds ?? DEFAULT_IDEMPOTENCY_WINDOW_SECONDS;
    OperationId.assertValidWindow(windowSeconds);
    // Never longer than the session lives (with a TTL): an id outliving its session would only cost memory.
    this.keyedWindowMs = Math.min(windowSeconds, ttl ?? windowSeconds) * 1000;
    // A re-send comes within about two operation timeouts of the first send (docs/ARCHITECTURE.md, "Operation ids").
    this.internalWindowMs = Math.min(this.keyedWindowMs, 4 * operationTimeoutMs + INTERNAL_WINDOW_MARGIN_MS);
    this.health = new ConnectionHealth(settings.endpoint.target, settings.connectionLog ?? stderrConnectionLog);
  }

  /** The ioredis client (created on first use). */
  get redis(): Redis {
    if (this.client === undefined) {
      if (this.closed) throw new InvalidStorageSettingsError({ reason: 'This Triggers Redis connection was closed (closeTriggersContainer / quit)' });
      this.client = this.health.watch(
        this.settings.endpoint.client({
          enableAutoPipelining: true,
          commandTimeout: this.operationTimeoutMs,
          // A command in flight when the connection drops fails at once instead of waiting for (or being re-sent after) a reconnection.
          maxRetriesPerRequest: 0,
          autoResendUnfulfilledCommands: false,
        }),
      );
      // Operations waiting for the connection learn at once that the server refused the credentials.
      this.client.on('error', (error: unknown) => {
        if (isCredentialsRefusal(error)) for (const refuse of [...this.waitingForReady]) refuse(error);
      });
    }
    return this.client;
  }

  /**
   * Sends `command` for `operation` of session `uid`: at once (synchronously,
   * so it keeps its place behind commands sent before) when the connection
   * is ready, else once it is, waiting at most `operationTimeoutMs`.
   * Redis's own error replies pass through.
   *
   * @throws StorageUnavailableError when no connection came in time, the
   *   connection failed, or no reply came in time
   */
  call<T>(uid: string, operation: string, command: (redis: Redis) => Promise<T>): Promise<T> {
    const startedAt = Date.now();
    let redis: Redis;
    try {
      redis = this.redis;
    } catch (error) {
      return Promise.reject(error);
    }
    const fail = (error: unknown, sent: boolean): unknown => this.unavailable(error, uid, operation, startedAt, sent);
    if (redis.status === 'ready') {
      let sent: Promise<T>;
      try {
        sent = command(redis);
      } catch (error) {
        return Promise.reject(fail(error, false));
      }
      return sent.then(undefined, (error: unknown) => {
        throw fail(error, true);
      });
    }
    if (redis.status === 'wait') redis.connect().catch(() => undefined);
    this.ready ??= new Promise<void>((resolve) =>
      redis.once('ready', () => {
        this.ready = undefined;
        resolve();
      }),
    );
    const ready = this.ready;
    const refused = (cause: Error): StorageUnavailableError =>
      new StorageUnavailableError({ uid, operation, waitedMs: Date.now() - startedAt, target: this.health.target, maybeApplied: false, cause });
    // Refused credentials: waiting cannot help (until someone fixes them), so the operation fails now.
    const refusal = this.health.credentialsRefused;
    if (refusal !== undefined) return Promise.reject(refused(refusal));
    return new Promise<T>((resolve, reject) => {
      let sent = false;
      let settled = false;
      const onRefusal = (error: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.waitingForReady.delete(onRefusal);
        reject(refused(error));
      };
      this.waitingForReady.add(onRefusal);
      const timer = setTimeout(() => {
        settled = true;
        this.waitingForReady.delete(onRefusal);
        reject(new StorageUnavailableError({ uid, operation, waitedMs: Date.now() - startedAt, target: this.health.target, maybeApplied: sent }));
      }, this.operationTimeoutMs);
      void ready.then(() => {
        this.waitingForReady.delete(onRefusal);
        if (settled) return;
        sent = true;
        let reply: Promise<T>;
        try {
          reply = command(redis);
        } catch (error) {
          clearTimeout(timer);
          reject(fail(error, false));
          return;
        }
        reply.then(
          (value) => {
            clearTimeout(timer);
            if (!settled) resolve(value);
          },
          (error: unknown) => {
            clearTimeout(timer);
            if (!settled) reject(fail(error, true));
          },
        );
      });
    });
  }

  /**
   * {@link call} for a command that writes: with the `replication` setting,
   * the reply is handed back only once that many replicas acknowledged the
   * write (`WAIT` on the same connection, once the reply came); otherwise
   * it fails with {@link StorageUnavailableError} (`maybeApplied`: the
   * primary has it, the replicas may not).
   */
  callWrite<T>(uid: string, operation: string, command: (redis: Redis) => Promise<T>): Promise<T> {
    const replication = this.settings.replication;
    if (replication === undefined) return this.call(uid, operation, command);
    const startedAt = Date.now();
    const notDurable = (reason: string, cause?: unknown): StorageUnavailableError =>
      new StorageUnavailableError({
        uid,
        operation,
        waitedMs: Date.now() - startedAt,
        target: this.health.target,
        // The write reached the primary; whether a replica has it is unknown.
        maybeApplied: true,
        cause: cause instanceof Error ? cause : new Error(reason),
      });
    // WAIT after the reply, not pipelined behind the command: a script re-sent as EVAL after NOSCRIPT (a new
    // primary's empty script cache) must be covered too. WAIT counts every write of this connection so far.
    return this.call(uid, operation, (redis) => {
      const socket = redis.stream;
      return command(redis).then(async (value) => {
        let replicas: number;
        try {
          // On a Cluster, to the master that took the write: the one owning the session's slot.
          const wait = new KeyRoutedCommand('wait', [replication.replicas, replication.timeoutMs], this.keysFor(uid).lock);
          replicas = Number(await redis.sendCommand(wait));
        } catch (error) {
          throw notDurable('the connection failed while waiting for the replicas', error);
        }
        // A WAIT answered on another connection (the client reconnected in between, e.g. to a new primary) says nothing of this write.
        if (redis.stream !== socket) throw notDurable('the connection was replaced while waiting for the replicas');
        if (replicas < replication.replicas) {
          throw notDurable(`only ${replicas} of ${replication.replicas} replicas acknowledged the write within ${replication.timeoutMs} ms`);
        }
        return value;
      });
    });
  }

  /** `error` as a {@link StorageUnavailableError} when it is a connection failure; Redis replies and framework errors as they are. */
  private unavailable(error: unknown, uid: string, operation: string, startedAt: number, sent: boolean): unknown {
    if (error instanceof TriggersError || !isConnectionError(error)) return error;
    return new StorageUnavailableError({
      uid,
      operation,
      waitedMs: Date.now() - startedAt,
      target: this.health.target,
      // Refused before it was written (ioredis refuses to queue it): nothing applied.
      maybeApplied: sent && !/Stream isn't writeable/.test((error as Error).message),
      cause: error,
    });
  }

  /**
   * How long the scripts remember operation `operationId` once applied:
   * the configured idempotency window for an application's key, a few
   * operation timeouts for an internal id (only its own re-sends repeat
   * it). Bounded, so the memory applied ids take is proportional to the
   * operation rate.
   */
  operationWindowMs(operationId: string): number {
    return OperationId.isKeyed(operationId) ? this.keyedWindowMs : this.internalWindowMs;
  }

  /**
   * The last five arguments of a script that carries operation `operationId`
   * ('' = none) for the session with key base `base`, computed for each
   * send: the id, its window, and the bucket hashes it is recorded in and
   * looked up in (`src/redis/lua/includes/operationOf.lua`). An internal
   * id is bucketed by this process's clock (only this process sends it),
   * and its first send looks nothing up (unless `lookUp`: a question, not a
   * send); an idempotency key is bucketed by the server (every process must
   * agree).
   */
  operationArgs(base: string, operationId: string, lookUp = false): [string, number, string, string, string] {
    if (operationId === '') return ['', 0, '', '', ''];
    const windowMs = this.operationWindowMs(operationId);
    if (OperationId.isKeyed(operationId)) return [operationId, windowMs, '', '', ''];
    const head = `${base}${RedisSessionKeys.OPERATION_PART}${windowMs}:`;
    const span = windowMs + 2 * OPERATION_SKEW_MS;
    const now = Date.now();
    const record = `${head}${Math.floor(now / span)}`;
    if (!lookUp && OperationId.isFirstSend(operationId)) return [operationId, windowMs, record, '', ''];
    const lookup = Math.floor((now + OPERATION_SKEW_MS) / span);
    return [operationId, windowMs, record, `${head}${lookup}`, `${head}${lookup - 1}`];
  }

  /** Every bucket hash of applied operations the session with key base `base` may have now, of either window (for deleting it). */
  operationBucketsNow(base: string): string[] {
    const out: string[] = [];
    for (const windowMs of new Set([this.keyedWindowMs, this.internalWindowMs])) {
      const span = windowMs + 2 * OPERATION_SKEW_MS;
      const n = Math.floor(Date.now() / span);
      // A bucket lives four spans; one more either side for clocks that disagree.
      for (let k = n - 4; k <= n + 1; k += 1) out.push(`${base}${RedisSessionKeys.OPERATION_PART}${windowMs}:${k}`);
    }
    return out;
  }

  /** Whether a socket was ever opened (and not yet closed). */
  get isOpen(): boolean {
    return this.client !== undefined;
  }

  /**
   * Configurations per session and per version, as last read or written
   * through this connection: a fire skips transferring and parsing them
   * while the version is unchanged, and sessions sharing a configuration
   * share its parsed form.
   */
  readonly taskCache = new TaskConfigCache();

  /** What the container's worker hands to its Redis storage about the job it runs. */
  readonly handoffs = new JobHandoffs();

  /** Where each session's keys live (one shard, or the Cluster's shards). */
  readonly shards: SessionShards;

  private readonly recentKeys = new Map<string, RedisSessionKeys>();

  /** How each operation waiting for the connection to become ready is failed when the server refuses the credentials. */
  private readonly waitingForReady = new Set<(refusal: Error) => void>();

  /**
   * On a Redis Cluster, records the shard count of the prefix the first
   * time (`<prefix>:layout`) and checks every later process uses the same:
   * a process with another count would look for every session in another
   * shard. Workers and the command line check when they start. Nothing on
   * a single server or Sentinel (one shard, nothing to mismatch).
   *
   * @throws InvalidStorageSettingsError naming both counts when they differ
   */
  async assertShardLayout(): Promise<void> {
    if (!this.shards.sharded) return;
    const prefix = this.settings.prefix;
    const mine = `shards=${this.shards.count}`;
    const stored = await this.call('', 'layout', (redis) => redis.set(`${prefix}:layout`, mine, 'NX', 'GET'));
    if (stored === null || stored === mine) return;
    throw new InvalidStorageSettingsError({
      setting: 'shards',
      value: this.shards.count,
      reason:
        `Prefix "${prefix}" on this Redis Cluster holds data laid out in ${stored.replace('shards=', '')} shards, but this process uses ${this.shards.count}: ` +
        'give every process the same count (createTriggersContainer({ redis: { cluster, shards } }), --cluster-shards N)',
    });
  }

  /** Key names of session `uid` under the configured prefix (and, on a Cluster, its shard). */
  keysFor(uid: string): RedisSessionKeys {
    let keys = this.recentKeys.get(uid);
    if (keys === undefined) {
      keys = new RedisSessionKeys(this.settings.prefix, uid, this.shards.keyPrefixFor(uid));
      // A session's keys are asked for several times per job (storage, worker checks): the recent ones are kept.
      if (this.recentKeys.size >= RECENT_KEYS) this.recentKeys.clear();
      this.recentKeys.set(uid, keys);
    }
    return keys;
  }

  /**
   * Releases held locks and closes the connection after pending replies
   * arrived. Safe to call twice, or when nothing was ever opened.
   */
  async quit(): Promise<void> {
    this.closed = true;
    const client = this.client;
    if (client === undefined) return;
    this.locks.releaseAll();
    this.client = undefined;
    if (client.status !== 'ready') {
      // Nothing to flush, and QUIT would wait for a connection that may never come.
      client.disconnect();
      return;
    }
    try {
      await client.quit();
    } catch {
      client.disconnect();
    }
  }
}
