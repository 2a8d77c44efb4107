import { RedisScript } from '../storage/RedisScript';
import { RedisSessionKeys } from '../storage/RedisSessionKeys';

/**
 * What {@link startOnFetchScript} reports for the job BullMQ fetched when it
 * also started that job's instance: the instance name, its `running`
 * record text (what was written), the task's configuration entry (JSON),
 * the session's tasks version when it was read, and the uid as the job
 * data spells it (JSON text): the script checked the job's id against that
 * uid and the instance, so a job whose data parses to both needs no
 * second check.
 */
export interface FetchedStart {
  readonly instance: string;
  readonly record: string;
  readonly taskEntry: string;
  readonly tasksVersion: string;
  readonly uidJson: string;
}

/**
 * A BullMQ script that fetches a job for a worker — `moveToFinished`, which
 * completes a job and, with `fetchNext`, fetches the worker's next one, or
 * `moveToActive`, which fetches a job for an idle worker — wrapped so that
 * the same atomic step also *starts* the fetched job's instance (the lifecycle's first step, docs/tasks.md),
 * `scheduled` → `running` with `actualKwargs` and stamps, written exactly
 * as `TaskInstance.start()` computes it. A task's start then costs no
 * command of its own: on a cascade the next job is fetched and started in
 * the round trip that completes the previous one.
 *
 * It acts only where it can be exact and where the one-step start
 * ({@link RedisScripts.startKnown}) would: the job was enqueued by the
 * storage's script (its data opens with `session`, the session's key
 * base, which must lie under this worker's prefix, and `record`, the text
 * written `scheduled`, both read in place), the stored record is still
 * exactly that text, the
 * session's lock is free and nobody waits for it, the record has the
 * shape the script writes (metadata holding only its four timestamps, no
 * integer-like trigger names, which `JSON.parse` would reorder), and the
 * task's `withParams` share no top-level key with the kwargs (so their
 * deep merge is the two texts' members one after the other; a recursive
 * merge is left to JavaScript). Anything else leaves the instance
 * `scheduled`, and the worker starts it
 * as usual. BullMQ's own result is returned unchanged, with the start
 * appended as a fifth element when there was one.
 *
 * The Lua is `src/redis/lua/startOnFetch.lua` (its header lists KEYS,
 * ARGV and the reply); BullMQ's text and the session key layout fill its
 * placeholders.
 *
 * @param fetchingLua the text of BullMQ's script, as BullMQ itself defines
 *   it on the worker's connection (so the wrapped script is always the
 *   installed BullMQ's).
 */
export function startOnFetchScript(fetchingLua: string): RedisScript<unknown> {
  return RedisScript.load<unknown>('startOnFetch', { bullmqFetch: fetchingLua, sessionKeyLayout: sessionKeyLayoutLua() });
}

/** The session key layout as Lua locals, from its one definition ({@link RedisSessionKeys}). */
function sessionKeyLayoutLua(): string {
  const parts = RedisSessionKeys.SCRIPT_PARTS.map((part) => `'${part}'`).join(', ');
  return `local SCRIPT_PARTS = { ${parts} }\nlocal UNSTARTED_PART = '${RedisSessionKeys.UNSTARTED_PART}'`;
}
