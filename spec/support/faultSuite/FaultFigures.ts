/** What one run of the fault suite did and measured. */
export interface FaultFigures {
  seed: number;
  sessions: number;
  fires: number;
  acknowledged: number;
  /** Acknowledged fires of `tick` and `page`, whose applications are counted one by one. */
  countedAcknowledged: number;
  /** Fires retried after StorageUnavailableError, LockTimeoutError or LockLostError. */
  retries: number;
  /** Of those, retries after a StorageUnavailableError with `maybeApplied`. */
  ambiguousRetries: number;
  taskRuns: number;
  redisRestarts: number;
  /** Cluster masters SIGKILLed (each replaced by its replica). */
  masterKills: number;
  /** Sentinel primaries SIGKILLed (a replica promoted each time). */
  primaryKills: number;
  /** Of those, kills while fires were still unacknowledged. */
  primaryKillsMidStream: number;
  workerKills: number;
  producerKills: number;
  /** Fires a killed producer had sent without an acknowledgement (re-sent by its replacement). */
  inFlightAtProducerKill: number;
  duplicateDeliveries: number;
  forgedJobs: number;
  /** Jobs that failed with WorkerLostError, as the workers reported them. */
  workerLostRejections: number;
  /** Genuine jobs failed in BullMQ for another reason (BullMQ's stall limit, a storage error...). */
  otherRejections: number;
  /** Worker-level errors the workers printed (not job rejections). */
  workerErrors: number;
  /** Of those, BullMQ refusing a job's completion for its lock (lost or replaced). */
  missingLocks: number;
  /** Settle time (ms) until nothing was scheduled, running or queued, or the deadline. */
  settleMs: number;

  // The checks: each must be 0.
  /** Acknowledged counted fires that left no instance. */
  lost: number;
  /** Counted fires applied more than once. */
  doubled: number;
  /** Instances `scheduled` or `running` after the settle deadline. */
  stuck: number;
  /** Instances run more than once where an earlier run's worker did not die. */
  ranTwiceWithoutDeadWorker: number;
  /** Instances failed with WorkerLostError although no worker that ran (or could have started) them died. */
  workerLostWithoutDeadWorker: number;
  /** Sessions whose final state differs from the same fires run in memory. */
  sessionsDiffering: number;
  /** Task and status pairs whose count in the directory differs from a recount of the records. */
  countsDiffering: number;
  /** Instances listed under another status by the directory (scheduled, running, failed) than their records have, or not listed under theirs. */
  listedDiffering: number;
  /** Forged jobs not failed in BullMQ at the end. */
  forgedNotRefused: number;
  /** Producers that failed with an error they were not to retry. */
  producerErrors: number;
}

/** The figures that are checks, with what each says when it is not 0. */
export const FAULT_CHECKS: ReadonlyArray<readonly [keyof FaultFigures, string]> = [
  ['lost', 'acknowledged fires lost'],
  ['doubled', 'fires applied twice'],
  ['stuck', 'instances stuck scheduled/running'],
  ['ranTwiceWithoutDeadWorker', 'tasks run twice without a dead worker'],
  ['workerLostWithoutDeadWorker', 'WorkerLostError without a dead worker'],
  ['sessionsDiffering', 'sessions differing from memory'],
  ['countsDiffering', 'directory counts differing from the records'],
  ['listedDiffering', 'directory listings differing from the records'],
  ['forgedNotRefused', 'forged jobs not refused'],
  ['producerErrors', 'producers failed'],
];

const COUNTERS: ReadonlyArray<readonly [keyof FaultFigures, string]> = [
  ['seed', 'seed'],
  ['sessions', 'sessions'],
  ['fires', 'fires'],
  ['acknowledged', 'acknowledged fires'],
  ['countedAcknowledged', 'acknowledged counted fires (tick, page)'],
  ['retries', 'fires retried'],
  ['ambiguousRetries', 'retries after maybeApplied'],
  ['taskRuns', 'task runs'],
  ['redisRestarts', 'Redis restarts (AOF)'],
  ['masterKills', 'cluster masters SIGKILLed'],
  ['primaryKills', 'primaries SIGKILLed (failovers)'],
  ['primaryKillsMidStream', 'of them while fires were outstanding'],
  ['workerKills', 'workers SIGKILLed'],
  ['producerKills', 'producers SIGKILLed'],
  ['inFlightAtProducerKill', 'fires in flight at a producer kill'],
  ['duplicateDeliveries', 'duplicate deliveries'],
  ['forgedJobs', 'forged jobs'],
  ['workerLostRejections', 'WorkerLostError rejections'],
  ['otherRejections', 'other job rejections'],
  ['workerErrors', 'worker errors (not rejections)'],
  ['missingLocks', 'of them a lost job lock'],
  ['settleMs', 'settle (ms)'],
];

/** The figures' sum over several runs (the seed of the first). */
export function addFigures(total: FaultFigures | undefined, next: FaultFigures): FaultFigures {
  if (total === undefined) return { ...next };
  const sum = { ...total };
  for (const key of Object.keys(next) as Array<keyof FaultFigures>) if (key !== 'seed') sum[key] = total[key] + next[key];
  return sum;
}

/** The checks that are not 0, as `name = value` texts. */
export function failedChecks(figures: FaultFigures): string[] {
  return FAULT_CHECKS.filter(([key]) => figures[key] !== 0).map(([key, label]) => `${label} = ${figures[key]}`);
}

/** The figures as a two-part text table: what happened, then each check with PASS or FAIL. */
export function formatFigures(figures: FaultFigures): string {
  const width = Math.max(...[...COUNTERS, ...FAULT_CHECKS].map(([, label]) => label.length));
  const lines = COUNTERS.map(([key, label]) => `  ${label.padEnd(width)}  ${String(figures[key]).padStart(7)}`);
  lines.push(`  ${'-'.repeat(width + 16)}`);
  for (const [key, label] of FAULT_CHECKS) {
    lines.push(`  ${label.padEnd(width)}  ${String(figures[key]).padStart(7)}  ${figures[key] === 0 ? 'PASS' : 'FAIL'}`);
  }
  return lines.join('\n');
}
