/**
 * BullMQ's own `addStandardJob` Lua script (the one `Queue.add` runs for a
 * job without delay, priority or parent), wrapped as a Lua function
 * `bullmqAddStandardJob(KEYS, ARGV)` that another script can call with the
 * same keys and arguments `Queue.add` would send. Taken from the installed
 * `bullmq` package at load time, so a job enqueued this way is exactly what
 * BullMQ itself writes (job hash, wait list, marker, events).
 *
 * Undefined when the installed BullMQ does not ship the script in the
 * expected shape (9 keys): then nothing is enqueued by script and runners
 * use `Queue.add` as before.
 */
export const bullmqAddStandardJobLua: string | undefined = loadAddStandardJob();

function loadAddStandardJob(): string | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const module = require('bullmq/dist/cjs/scripts/addStandardJob-9') as Record<string, { name?: unknown; keys?: unknown; content?: unknown }>;
    const script = module.addStandardJob;
    if (script?.name !== 'addStandardJob' || script.keys !== 9 || typeof script.content !== 'string') return undefined;
    if (!script.content.includes('cmsgpack.unpack(ARGV[1])') || !script.content.includes('cmsgpack.unpack(ARGV[3])')) return undefined;
    return `local function bullmqAddStandardJob(KEYS, ARGV)\n${script.content}\nend\n`;
  } catch {
    return undefined;
  }
}
