import type { Kwargs, TriggerConfiguration } from '../../../src';
import { SeededRandom } from '../SeededRandom';

/** One fire of a session's stream: trigger and kwargs. */
export type FaultFire = [string, Kwargs];

/** A session and its fires, in the order its one producer fires them. */
export interface FaultSession {
  uid: string;
  fires: FaultFire[];
}

/** The fires whose every application leaves a trace: one `andEvery` instance each. */
export const COUNTED_TRIGGERS: ReadonlyMap<string, { task: string; field: string }> = new Map([
  ['tick', { task: 't_ledger', field: 'seq' }],
  ['page', { task: 't_responses', field: 'n' }],
]);

/**
 * after, andEvery, unless, withParams and cascades two levels deep. Its
 * final state depends only on the order of each session's own fires, not
 * on when cascades land between them: every trigger a one-shot task
 * mentions has the same kwargs at every fire (or comes from a cascade,
 * whose result is fixed per task), the triggers with changing kwargs
 * (`tick`, `page`) are only `andEvery` triggers, and the `unless` task
 * mentions producer triggers only.
 */
export const faultConfig: TriggerConfiguration = {
  t_subject: { after: ['firstPage', 'complete'], run: 'FS_Record' },
  t_responses: { after: ['t_subject'], andEvery: 'page', run: 'FS_Record' },
  t_browser: { after: ['browserInfo', 'complete'], unless: ['isEmbeddedApp'], run: 'FS_Record' },
  t_final: { after: ['t_subject', 'thankYou'], run: 'FS_Slow', withParams: { thankYou: { locale: 'en' } } },
  t_archive: { after: ['t_final'], run: 'FS_Record' },
  t_notify: { after: ['t_final', 't_browser'], run: 'FS_Slow' },
  t_ledger: { after: ['tick'], andEvery: 'tick', run: 'FS_Slow' },
};

/**
 * `count` sessions with seeded streams: the one-shot triggers (some
 * repeated, some missing), `page` fires numbered 1..n and `tick` fires
 * numbered by their position, so each application of a counted fire is one
 * instance carrying its number.
 */
export function buildFaultSessions(seed: number, count: number, label: string): FaultSession[] {
  const random = new SeededRandom(seed);
  const sessions: FaultSession[] = [];
  for (let s = 0; s < count; s += 1) {
    const uid = `${label}-${s}${s % 3 === 1 ? ' {odd}: ✓' : ''}`;
    const fires: FaultFire[] = [];
    const oneShot: FaultFire[] = [];
    if (random.chance(0.9)) oneShot.push(['firstPage', { page: 1 }]);
    oneShot.push(['complete', { answers: 3 + s }]);
    if (random.chance(0.8)) oneShot.push(['browserInfo', { agent: `ua-${s}` }]);
    if (random.chance(0.4)) oneShot.push(['isEmbeddedApp', { app: 'kiosk' }]);
    if (random.chance(0.85)) oneShot.push(['thankYou', { shown: true }]);
    oneShot.push(['unrelated', { noise: s }]);
    for (const fire of [...oneShot]) if (random.chance(0.3)) oneShot.push(fire);
    const pages = random.int(0, 4);
    const ticks = random.int(4, 10);
    const counted: FaultFire[] = [];
    for (let n = 1; n <= pages; n += 1) counted.push(['page', { n }]);
    for (let n = 1; n <= ticks; n += 1) counted.push(['tick', { seq: n }]);
    // Interleave keeping each kind in its own order (pages and ticks stay numbered upwards).
    const queues = [random.sample(oneShot, oneShot.length), counted.filter(([t]) => t === 'page'), counted.filter(([t]) => t === 'tick')];
    while (queues.some((queue) => queue.length > 0)) {
      const open = queues.filter((queue) => queue.length > 0);
      fires.push(random.pick(open).shift() as FaultFire);
    }
    sessions.push({ uid, fires });
  }
  return sessions;
}
