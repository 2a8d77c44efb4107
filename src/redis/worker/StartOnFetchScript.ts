import { RedisLua } from '../storage/RedisLua';
import { RedisScript } from '../storage/RedisScript';
import { RedisSessionKeys } from '../storage/RedisSessionKeys';

/**
 * What {@link startOnFetchScript} reports for the job BullMQ fetched when it
 * also started that job's instance: the instance name, its `running`
 * record text (what was written), the task's configuration entry (JSON)
 * and the session's tasks version when it was read.
 */
export interface FetchedStart {
  readonly instance: string;
  readonly record: string;
  readonly taskEntry: string;
  readonly tasksVersion: string;
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
 * storage's script (its data carries `record`, the text written
 * `scheduled`, and `session`, the session's key base, which must lie under
 * this worker's prefix), the stored record is still exactly that text, the
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
 * KEYS: BullMQ's. ARGV: BullMQ's arguments, then the ISO time of the
 * start, the session TTL in seconds (0 = none) and the worker's key head
 * (`<prefix>:{`).
 *
 * @param fetchingLua the text of BullMQ's script, as BullMQ itself defines
 *   it on the worker's connection (so the wrapped script is always the
 *   installed BullMQ's).
 */
export function startOnFetchScript(fetchingLua: string): RedisScript<unknown> {
  return new RedisScript<unknown>(
    'startOnFetch',
    `local function bullmqFetch(KEYS, ARGV)\n${fetchingLua}\nend\n` +
      RedisLua.jsonText +
      RedisLua.refreshTtl +
      RedisLua.putRecord +
      `
local SCRIPT_PARTS = { ${RedisSessionKeys.SCRIPT_PARTS.map((part) => `'${part}'`).join(', ')} }
local UNSTARTED_PART = '${RedisSessionKeys.UNSTARTED_PART}'
local n = #ARGV
local iso, ttl, keyHead = ARGV[n - 2], tonumber(ARGV[n - 1]), ARGV[n]
local bullArgv = {}
for i = 1, n - 3 do bullArgv[i] = ARGV[i] end
local result = bullmqFetch(KEYS, bullArgv)
if type(result) ~= 'table' or type(result[1]) ~= 'table' then return result end

local TIMESTAMPS = ',"metadata":{"timestamps":{"created":("[^"]*"),"lastModified":"[^"]*","unstarted":("[^"]*"),"scheduled":("[^"]*")}}}$'
local STATUS_AND_KWARGS = ',"status":"scheduled","kwargs":'
local ABANDON_STATE = ',"abandonState":'

local function startFetched(flat)
  local dataText
  for i = 1, #flat, 2 do
    if flat[i] == 'data' then
      dataText = flat[i + 1]
      break
    end
  end
  if not dataText or not string.find(dataText, '"session":', 1, true) then return nil end
  local data = cjson.decode(dataText)
  local base, name, expected = data['session'], data['instance'], data['record']
  if type(base) ~= 'string' or type(name) ~= 'string' or type(expected) ~= 'string' then return nil end
  if string.sub(base, 1, #keyHead) ~= keyHead or string.sub(base, -2) ~= '}:' then return nil end
  -- The session's keys in the KEYS order of the storage's scripts, for the shared fragments.
  local K = {}
  for i, part in ipairs(SCRIPT_PARTS) do K[i] = base .. part end
  if redis.call('EXISTS', K[1], K[2]) > 0 then return nil end
  local rec = redis.call('HGET', K[5], name)
  if rec ~= expected or string.find(rec, '"__proto__"', 1, true) then return nil end

  -- {"name":<string>,"task":<string>,"status":"scheduled","kwargs":<object>,"abandonState":<array>,"metadata":{"timestamps":{4 stamps}}}
  local metaAt, _, created, unstarted, scheduled = string.find(rec, TIMESTAMPS)
  if not metaAt or string.sub(rec, 1, 8) ~= '{"name":' then return nil end
  local p = skipString(rec, 9)
  if string.sub(rec, p, p + 7) ~= ',"task":' then return nil end
  local taskEnd = skipString(rec, p + 8)
  local rawTask = string.sub(rec, p + 8, taskEnd - 1)
  if string.find(rawTask, BS, 1, true) then return nil end
  if string.sub(rec, taskEnd, taskEnd + #STATUS_AND_KWARGS - 1) ~= STATUS_AND_KWARGS then return nil end
  local kwStart = taskEnd + #STATUS_AND_KWARGS
  local kw, kwClose = members(rec, kwStart)
  for key in pairs(kw) do
    if string.find(key, '^"%d+"$') then return nil end
  end
  local abStart = kwClose + 1 + #ABANDON_STATE
  if string.sub(rec, kwClose + 1, abStart - 1) ~= ABANDON_STATE or skipValue(rec, abStart) ~= metaAt then return nil end
  local task = string.sub(rawTask, 2, -2)
  local entry = redis.call('HGET', K[3], task)
  if not entry or string.find(entry, '"__proto__"', 1, true) then return nil end

  -- actualKwargs = withParams deep-merged under the kwargs. Done here only when no top-level key is in
  -- both (nothing to merge recursively) and none is integer-like: then JSON.stringify of the merge is the
  -- withParams members followed by the kwargs members, as stored (both are JSON.stringify output).
  local actual = string.sub(rec, kwStart, kwClose)
  local wpSpan = members(entry, 1)['"withParams"']
  if wpSpan then
    local wpText = string.sub(entry, wpSpan[1], wpSpan[2] - 1)
    if wpText ~= 'null' and wpText ~= '{}' then
      if string.sub(wpText, 1, 1) ~= '{' then return nil end
      for key in pairs(members(entry, wpSpan[1])) do
        if kw[key] or string.find(key, '^"%d+"$') then return nil end
      end
      if actual == '{}' then actual = wpText else actual = string.sub(wpText, 1, -2) .. ',' .. string.sub(actual, 2) end
    end
  end

  -- What TaskInstance.start() gives: status running, lastModified and running stamped, actualKwargs appended.
  local now = '"' .. iso .. '"'
  local text = string.sub(rec, 1, taskEnd - 1) .. ',"status":"running","kwargs":' .. string.sub(rec, kwStart, metaAt - 1) ..
    ',"metadata":{"timestamps":{"created":' .. created .. ',"lastModified":' .. now .. ',"unstarted":' .. unstarted ..
    ',"scheduled":' .. scheduled .. ',"running":' .. now .. '},"actualKwargs":' .. actual .. '}}'
  putRecord(K, name, task, text, 'o', base .. UNSTARTED_PART)
  refreshTtl(K, ttl, base .. UNSTARTED_PART)
  return { name, text, entry, redis.call('GET', K[9]) or '' }
end

local ok, started = pcall(startFetched, result[1])
if ok and started then result[5] = started end
return result`,
  );
}
