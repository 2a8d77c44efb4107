import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { RedisScript } from '../storage/RedisScript';

/** How soon after a job is taken a beat lists it, at most (jobs taken meanwhile share it). */
const CLAIM_DELAY_MS = 25;

/** One worker's last heartbeat as read back. */
export interface WorkerBeat {
  id: string;
  /** Redis server time of the beat, ms. */
  at: number;
  /** Ids of the jobs the worker was running then. */
  jobs: string[];
}

/** Every worker's last heartbeat, with the server time they were read at. */
export interface WorkerBeats {
  now: number;
  workers: WorkerBeat[];
}

/**
 * A worker's liveness record: every `intervalMs`, and shortly after it
 * takes a job, the worker writes the Redis server time and the ids of the jobs it
 * runs into the prefix's `workers` hash (see docs/ARCHITECTURE.md, "Worker
 * liveness"). Another process tells a dead worker (no beat for longer than
 * the timeout) from a live one whose job lock merely expired during a
 * connection outage.
 */
export class WorkerHeartbeat {
  /** This worker's id: host, pid and a random part. */
  readonly id = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly jobs = new Set<string>();
  private timer?: NodeJS.Timeout;
  private soon = false;
  private inFlight = false;
  private stopped = false;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly intervalMs: number,
  ) {}

  /** The hash of every worker's heartbeat under `prefix`. */
  static key(prefix: string): string {
    return `${prefix}:workers`;
  }

  /** Beats now, then every interval. */
  start(): Promise<void> {
    this.timer = setInterval(() => void this.beat(), this.intervalMs);
    this.timer.unref();
    return this.beat();
  }

  /**
   * Notes a job taken. A beat listing it follows within {@link CLAIM_DELAY_MS}
   * (shared by every job taken meanwhile, so a busy worker sends a few beats
   * a second, not one per job), and the periodic beats list it until it is
   * removed; a job is only re-delivered once its lock expired, which the
   * worker keeps longer than the interval.
   */
  add(jobId: string): void {
    this.jobs.add(jobId);
    if (this.soon) return;
    this.soon = true;
    setTimeout(() => {
      this.soon = false;
      void this.beat();
    }, Math.min(CLAIM_DELAY_MS, Math.floor(this.intervalMs / 4))).unref();
  }

  /** Notes a job left (the next periodic beat no longer lists it). */
  remove(jobId: string): void {
    this.jobs.delete(jobId);
  }

  /** Whether this worker runs `jobId` right now. */
  holds(jobId: string): boolean {
    return this.jobs.has(jobId);
  }

  /** Stops beating and removes this worker's entry (a worker that closed holds nothing). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    if (this.redis.status === 'ready') await this.redis.hdel(WorkerHeartbeat.key(this.prefix), this.id).catch(() => undefined);
  }

  private async beat(): Promise<void> {
    // One beat at a time; a beat that cannot be sent now is not queued behind an outage.
    if (this.stopped || this.inFlight || this.redis.status !== 'ready') return;
    this.inFlight = true;
    try {
      await WORKER_BEAT.run(this.redis, [WorkerHeartbeat.key(this.prefix)], [this.id, JSON.stringify([...this.jobs])]);
    } catch {
      // Connection trouble is reported by the connection's health listener; the next beat retries.
    } finally {
      this.inFlight = false;
    }
  }

  /** Every worker's last heartbeat under `prefix` and the server time now (one round trip). */
  static async read(redis: Redis, prefix: string): Promise<WorkerBeats> {
    const reply = await redis.multi().time().hgetall(WorkerHeartbeat.key(prefix)).exec();
    const [time, hash] = (reply ?? []).map(([error, value]) => {
      if (error !== null) throw error;
      return value;
    }) as [[string, string], Record<string, string>];
    const now = Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000);
    const workers: WorkerBeat[] = [];
    for (const [id, value] of Object.entries(hash)) {
      const colon = value.indexOf(':');
      let jobs: unknown;
      try {
        jobs = JSON.parse(value.slice(colon + 1));
      } catch {
        jobs = [];
      }
      workers.push({ id, at: Number(value.slice(0, colon)), jobs: Array.isArray(jobs) ? jobs.filter((j): j is string => typeof j === 'string') : [] });
    }
    return { now, workers };
  }
}

/** Writes a worker's heartbeat at the server's time (`workerBeat-1.lua`). */
const WORKER_BEAT = RedisScript.load<number>('workerBeat');
