/**
 * A producer process of the fault suite: fires its sessions' streams into
 * Redis, the sessions concurrently, each session's fires in order, and
 * prints one JSON line on stdout per event, so a producer killed with
 * SIGKILL leaves its acknowledged fires known:
 *
 * - `{"e":"sent","uid":U,"i":I}` before `fire` is called,
 * - `{"e":"ack","uid":U,"i":I}` once `await manager.fire(...)` resolved,
 * - `{"e":"retry","uid":U,"i":I,"error":NAME,"maybeApplied":B}` when it failed in a way that calls for a retry,
 * - `{"e":"done"}` at the end.
 *
 * Every fire carries an idempotency key (`<uid>#<index>`), the same on every
 * retry and in a replacement producer; a release whose `fire` takes no
 * options ignores it (the re-sent fire is then applied again when the first
 * one was).
 *
 * `node faultProducer.js <redis> <prefix> <plan JSON>`, where `<redis>` is a
 * URL or the JSON of a `redis` option (`{ sentinels, name }`, `{ cluster, shards }`).
 */
import 'reflect-metadata';
import { LockLostError, LockTimeoutError, StorageUnavailableError, closeTriggersContainer, createTriggersContainer, getManager } from '../../../src';
import type { Kwargs, RedisConnectionOption, ReplicationWait, TriggerManager } from '../../../src';
import { MemoryLogSink } from '../../../src/testing';
import { SeededRandom } from '../SeededRandom';
import type { FaultFire } from './FaultWorkload';

/** What a producer is asked to do. */
export interface ProducerPlan {
  seed: number;
  /** Pause between two fires of one session (0 to this many ms). */
  paceMs: number;
  operationTimeoutMs: number;
  lockTtlMs: number;
  /** The container's `replication` setting (a Sentinel run waits for a replica on every write). */
  replication?: ReplicationWait;
  /** Each session's fires from index `from` on (the earlier ones were acknowledged by a previous producer). */
  sessions: Array<{ uid: string; from: number; fires: FaultFire[] }>;
}

/** A line a producer prints. */
export type ProducerEvent =
  | { e: 'sent' | 'ack'; uid: string; i: number }
  | { e: 'retry'; uid: string; i: number; error: string; maybeApplied: boolean }
  | { e: 'done' };

type FireWithKey = (trigger: string, kwargs: Kwargs, options: { idempotencyKey: string }) => Promise<unknown>;

/** The fire a release with operation ids offers; an older release takes the first two arguments only. */
function fireWithKey(manager: TriggerManager): FireWithKey {
  return manager.fire.bind(manager) as unknown as FireWithKey;
}

function print(event: ProducerEvent): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

function retryable(error: unknown): error is Error {
  return error instanceof StorageUnavailableError || error instanceof LockTimeoutError || error instanceof LockLostError;
}

async function main(): Promise<void> {
  const [target, prefix, json] = process.argv.slice(2);
  const plan = JSON.parse(json) as ProducerPlan;
  const random = new SeededRandom(plan.seed);
  const container = createTriggersContainer({
    redis: target.startsWith('{') ? (JSON.parse(target) as RedisConnectionOption) : target,
    prefix,
    ...(plan.replication === undefined ? {} : { replication: plan.replication }),
    defaultRunner: 'bullmq',
    logSink: new MemoryLogSink(),
    operationTimeoutMs: plan.operationTimeoutMs,
    lockTtlMs: plan.lockTtlMs,
    connectionLog: () => undefined,
  });
  try {
    await Promise.all(
      plan.sessions.map(async (session) => {
        const pauses = session.fires.map(() => random.int(0, plan.paceMs));
        const fire = fireWithKey(getManager(container, session.uid));
        for (let k = 0; k < session.fires.length; k += 1) {
          const i = session.from + k;
          const [trigger, kwargs] = session.fires[k];
          print({ e: 'sent', uid: session.uid, i });
          const deadline = Date.now() + 60_000;
          for (;;) {
            try {
              await fire(trigger, kwargs, { idempotencyKey: `${session.uid}#${i}` });
              break;
            } catch (error) {
              if (!retryable(error) || Date.now() > deadline) throw error;
              print({ e: 'retry', uid: session.uid, i, error: error.name, maybeApplied: error instanceof StorageUnavailableError && error.maybeApplied });
              await new Promise((resolve) => setTimeout(resolve, 50));
            }
          }
          print({ e: 'ack', uid: session.uid, i });
          // Pacing the stream (not synchronisation): the faults land between and during fires.
          await new Promise((resolve) => setTimeout(resolve, pauses[k]));
        }
      }),
    );
    print({ e: 'done' });
  } finally {
    await closeTriggersContainer(container);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`producer failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
