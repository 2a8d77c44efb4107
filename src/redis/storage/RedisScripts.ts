import { bullmqAddStandardJobLua } from '../bullmq/bullmqAddJobLua';
import { RedisLua } from './RedisLua';
import { RedisScript } from './RedisScript';

/**
 * The Lua scripts of the Redis storage. Each runs atomically on the server,
 * so a whole read or write of an operation is one round trip and is never
 * seen half-done. Keys come first (all in the session's hash slot); the
 * per-task unstarted sets are derived from a key prefix passed as argument,
 * which is fine on a Cluster because they share the session's hash tag.
 *
 * Scripts are sent as `EVALSHA` ({@link RedisScript}).
 *
 * Trigger lists in the `tt` hash are length-prefixed (`<bytes>:<name>` ...)
 * so Lua can parse them without JSON and without any separator a name could
 * contain.
 */
export const RedisScripts = {
  /**
   * Takes the lock, or extends it if `token` already owns it. A free lock is
   * only taken if no other waiter is marked as next; a refused caller marks
   * itself next when nobody is, so pollers from other processes cannot be
   * starved by a busy holder re-acquiring.
   * KEYS: lock, next. ARGV: token, ttlMs, nextTtlMs. Returns 1 (taken), 2 (refused,
   * the caller is the marked next waiter: it should retry promptly) or 0 (refused).
   */
  lockAcquire: new RedisScript<number>(
    'lockAcquire',
    `
local cur = redis.call('GET', KEYS[1])
if cur == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
local nxt = redis.call('GET', KEYS[2])
if not cur then
  if (not nxt) or nxt == ARGV[1] then
    redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
    if nxt then redis.call('DEL', KEYS[2]) end
    return 1
  end
end
if not nxt then
  redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[3])
  return 2
elseif nxt == ARGV[1] then
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
  return 2
end
return 0`,
  ),

  /**
   * Extends the lock if `token` owns it. KEYS: lock, next. ARGV: token, ttlMs.
   * Returns { owned (0/1), someone waiting (0/1) }.
   */
  lockRenew: new RedisScript<[number, number]>(
    'lockRenew',
    `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return { 1, redis.call('EXISTS', KEYS[2]) }
end
return { 0, redis.call('EXISTS', KEYS[2]) }`,
  ),

  /** Deletes the lock only if `token` owns it. KEYS: lock. ARGV: token. Returns 1 if deleted. */
  lockRelease: new RedisScript<number>(
    'lockRelease',
    `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`,
  ),

  /**
   * Everything a fire reads, in one round trip: the task entries (unless the
   * caller's cached copy has the current version), the names of the tasks
   * mentioning the trigger, their unstarted instance records, their instance
   * counts, and the latest kwargs of the triggers they mention.
   * KEYS: tasks, tt, inst, latest, counts, tv. ARGV: trigger, unstarted prefix, cached tasks version,
   * then optionally #using, using names..., mentioned names... derived by the caller from its cached
   * entries: used instead of scanning every task's trigger list when the cached version is current
   * (so a fire costs the same in a session of 3 or 3,000 tasks).
   * Returns { tasks flat [name, json...] (empty when the cached version is current), using [name...],
   * unstarted [json...], counts [n...], latest flat [trigger, json...], tasks version }.
   */
  readForFire: new RedisScript<FireReply>(
    'readForFire',
    `
local trigger = ARGV[1]
local version = redis.call('GET', KEYS[6]) or ''
local using, mentioned, seen = {}, {}, {}
local tt = {}
if version ~= '' and version == ARGV[3] and #ARGV >= 4 then
  -- The caller's cached configuration is current: trust the tasks and triggers it derived from it.
  local nu = tonumber(ARGV[4])
  for k = 1, nu do using[k] = ARGV[4 + k] end
  for k = 5 + nu, #ARGV do mentioned[#mentioned + 1] = ARGV[k] end
else
  tt = redis.call('HGETALL', KEYS[2])
end
for i = 1, #tt, 2 do
  local list, names, hit, pos = tt[i + 1], {}, false, 1
  while pos <= #list do
    local colon = string.find(list, ':', pos, true)
    local n = tonumber(string.sub(list, pos, colon - 1))
    local name = string.sub(list, colon + 1, colon + n)
    pos = colon + n + 1
    names[#names + 1] = name
    if name == trigger then hit = true end
  end
  if hit then
    using[#using + 1] = tt[i]
    for _, name in ipairs(names) do
      if not seen[name] then
        seen[name] = true
        mentioned[#mentioned + 1] = name
      end
    end
  end
end
local function hmget(key, fields, out, withNames)
  for first = 1, #fields, 1000 do
    local chunk = {}
    for k = first, math.min(first + 999, #fields) do chunk[#chunk + 1] = fields[k] end
    local values = redis.call('HMGET', key, unpack(chunk))
    for k, v in ipairs(values) do
      if v then
        if withNames then out[#out + 1] = chunk[k] end
        out[#out + 1] = v
      end
    end
  end
end
local unstarted, counts, latest = {}, {}, {}
for j, task in ipairs(using) do
  hmget(KEYS[3], redis.call('SMEMBERS', ARGV[2] .. task), unstarted, false)
  counts[j] = redis.call('HGET', KEYS[5], task) or '0'
end
hmget(KEYS[4], mentioned, latest, true)
local tasks = {}
if version == '' or version ~= ARGV[3] then tasks = redis.call('HGETALL', KEYS[1]) end
return { tasks, using, unstarted, counts, latest, version }`,
  ),

  /**
   * Applies one operation's writes, if and only if `token` still owns the
   * lock (fencing: a holder whose lock expired writes nothing), then
   * refreshes the session's TTL. KEYS: lock, next, tasks, tt, inst, latest,
   * counts, unresolved, tv. ARGV: token, ttlSeconds (0 = none), unstarted prefix,
   * #tasks, #latest, #counts, #instances, then [task, json, triggers]...,
   * [trigger, json]..., [task, count]..., [name, task, json, flag]... where
   * flag is u (unstarted), o (other unresolved) or r (resolved).
   *
   * When task entries are written, the tasks version becomes the SHA-1 of
   * every entry of the session (names and texts, length-prefixed, in name
   * order): a digest of the configuration, so equal versions mean equal
   * configurations, across sessions too (a process that knows one session's
   * configuration knows all those at its version). Configuration writes are
   * rare; this reads the whole configuration once per write.
   *
   * Returns { whether another process is waiting for the lock (0/1), the
   * tasks version before this write ('' = none), the version after it ('' =
   * none) }: the writer knows the configuration at the new version exactly
   * when it knew it at the one before.
   */
  writeChanges: new RedisScript<[number, string, string]>(
    'writeChanges',
    RedisLua.refreshTtl +
      RedisLua.putRecord +
      `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return redis.error_reply('TRIGGERS_LOCK_LOST the session lock is no longer held by this operation')
end
local prefix = ARGV[3]
local i = 8
local previousVersion = redis.call('GET', KEYS[9]) or ''
local version = previousVersion
for _ = 1, tonumber(ARGV[4]) do
  redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1])
  redis.call('HSET', KEYS[4], ARGV[i], ARGV[i + 2])
  i = i + 3
end
if tonumber(ARGV[4]) > 0 then
  local flat = redis.call('HGETALL', KEYS[3])
  local names, texts = {}, {}
  for j = 1, #flat, 2 do
    names[#names + 1] = flat[j]
    texts[flat[j]] = flat[j + 1]
  end
  table.sort(names)
  local parts = {}
  for _, name in ipairs(names) do
    local text = texts[name]
    parts[#parts + 1] = #name .. ':' .. name .. #text .. ':' .. text
  end
  version = redis.sha1hex(table.concat(parts))
  redis.call('SET', KEYS[9], version)
end
for _ = 1, tonumber(ARGV[5]) do
  redis.call('HSET', KEYS[6], ARGV[i], ARGV[i + 1])
  i = i + 2
end
for _ = 1, tonumber(ARGV[6]) do
  redis.call('HSET', KEYS[7], ARGV[i], ARGV[i + 1])
  i = i + 2
end
for _ = 1, tonumber(ARGV[7]) do
  putRecord(KEYS, ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], prefix)
  i = i + 4
end
refreshTtl(KEYS, tonumber(ARGV[2]), prefix)
return { redis.call('EXISTS', KEYS[2]), previousVersion, version }`,
  ),

  /**
   * A worker's start step in one round trip: moves a `scheduled` instance to
   * `running` exactly as `TriggerManager.startInstance` does under the lock
   * (status `running`; `metadata.actualKwargs` = the kwargs, since the task
   * has no `withParams`; `timestamps.lastModified` and `timestamps.running`
   * stamped), without taking the lock: being one atomic script, it is the
   * same as "acquire, read, write, release" with nothing in between.
   *
   * It only acts when the lock is free and no other process waits for it
   * (so it never jumps a queue and never writes under someone's lock), and
   * only on records it can edit exactly: the new record is the old JSON text
   * with those values spliced in (no re-encoding, so key order, numbers and
   * unicode are untouched). Anything else — lock held, waiter marked,
   * instance or task missing, `withParams` set, a record of another shape —
   * returns { 0 } and writes nothing: the caller takes the locked path.
   * KEYS: lock, next, tasks, tt, inst, latest, counts, unresolved, tv.
   * ARGV: instance name, ttlSeconds (0 = none), unstarted prefix, ISO time.
   * Returns { 0 } (use the locked path), { 1 } (not scheduled: nothing to
   * start) or { 2, new record JSON, task entry JSON }.
   */
  startScheduled: new RedisScript<[0] | [1] | [2, string, string]>(
    'startScheduled',
    `
if redis.call('EXISTS', KEYS[1], KEYS[2]) > 0 then return { 0 } end
local rec = redis.call('HGET', KEYS[5], ARGV[1])
if not rec or string.find(rec, '"__proto__"', 1, true) then return { 0 } end
` +
    RedisLua.jsonText +
    RedisLua.refreshTtl +
    RedisLua.putRecord +
    `
local ok, result = pcall(function()
  local top, topEnd = members(rec, 1)
  if topEnd ~= #rec then error('trailing text') end
  local status, task, kwargs, meta = top['"status"'], top['"task"'], top['"kwargs"'], top['"metadata"']
  if not (status and task and kwargs and meta) then error('not a record') end
  local rawTask = string.sub(rec, task[1], task[2] - 1)
  if string.sub(rawTask, 1, 1) ~= '"' or string.find(rawTask, BS, 1, true) then error('escaped task name') end
  local taskName = string.sub(rawTask, 2, -2)
  local entry = redis.call('HGET', KEYS[3], taskName)
  if not entry then error('unknown task') end
  local decoded = cjson.decode(entry)
  local wp = decoded['withParams']
  if wp ~= nil and wp ~= cjson.null and (type(wp) ~= 'table' or next(wp) ~= nil) then error('withParams') end
  if string.sub(rec, status[1], status[2] - 1) ~= '"scheduled"' then return { 1 } end
  if string.sub(rec, kwargs[1], kwargs[1]) ~= '{' then error('kwargs not an object') end
  local metaMembers, metaEnd = members(rec, meta[1])
  local stamps = metaMembers['"timestamps"']
  if not stamps or string.sub(rec, stamps[1], stamps[1]) ~= '{' then error('no timestamps object') end
  local stampMembers, stampsEnd = members(rec, stamps[1])
  local iso = '"' .. ARGV[4] .. '"'
  local empty = stampsEnd == stamps[1] + 1
  local edits = { { status[1], status[2], '"running"' } }
  local appended = ''
  for _, key in ipairs({ '"lastModified"', '"running"' }) do
    local span = stampMembers[key]
    if span then
      edits[#edits + 1] = { span[1], span[2], iso }
    else
      appended = appended .. ((empty and appended == '') and '' or ',') .. key .. ':' .. iso
    end
  end
  if appended ~= '' then edits[#edits + 1] = { stampsEnd, stampsEnd, appended } end
  local kwargsText = string.sub(rec, kwargs[1], kwargs[2] - 1)
  local actual = metaMembers['"actualKwargs"']
  if actual then
    edits[#edits + 1] = { actual[1], actual[2], kwargsText }
  else
    edits[#edits + 1] = { metaEnd, metaEnd, ',"actualKwargs":' .. kwargsText }
  end
  return { 2, splice(rec, edits), entry, taskName }
end)
if not ok then return { 0 } end
if result[1] ~= 2 then return result end
putRecord(KEYS, ARGV[1], result[4], result[2], 'o', ARGV[3])
refreshTtl(KEYS, tonumber(ARGV[2]), ARGV[3])
return { 2, result[2], result[3] }`,
  ),

  /**
   * A worker's start when it knows the record text the instance was
   * scheduled with (its job carried it) and computed the `running` record
   * itself, with the configuration cached at version ARGV[6]: applied only
   * if the lock is free, no waiter is marked, the configuration is still
   * that version and the stored text is still exactly ARGV[4]. No parsing.
   * KEYS: lock, next, tasks, tt, inst, latest, counts, unresolved, tv.
   * ARGV: name, ttlSeconds, unstarted prefix, expected text, new text, tasks version, task.
   * Returns 1 when applied, 0 otherwise (nothing written).
   */
  startKnown: new RedisScript<number>(
    'startKnown',
    `
if redis.call('EXISTS', KEYS[1], KEYS[2]) > 0 then return 0 end
if ARGV[6] == '' or (redis.call('GET', KEYS[9]) or '') ~= ARGV[6] then return 0 end
if redis.call('HGET', KEYS[5], ARGV[1]) ~= ARGV[4] then return 0 end
` +
      RedisLua.refreshTtl +
      RedisLua.putRecord +
      `
putRecord(KEYS, ARGV[1], ARGV[7], ARGV[5], 'o', ARGV[3])
refreshTtl(KEYS, tonumber(ARGV[2]), ARGV[3])
return 1`,
  ),

  /**
   * A whole operation in one atomic step, without the lock: optionally a
   * status change of one instance (with metadata merged, as
   * `updateInstanceStatus` does), then optionally a fire (docs/firing.md, steps 1-3:
   * apply the trigger to the unstarted instances of the tasks mentioning it,
   * create instances, abandon or mark ready ones `scheduled`, record the
   * latest kwargs). Being one script, it is the same as "acquire, read,
   * write, release" with nothing in between; `TriggerManager` then hands the
   * `scheduled` instances to their runners.
   *
   * The caller derives, from its cached configuration, which tasks mention
   * the trigger and what they need (passed as arguments); the script only
   * acts when that configuration is still current (tasks version), when the
   * lock is free and no waiter is marked, and when every record it reads
   * has the shape `JSON.stringify` gives it. Records are edited as text
   * ({@link RedisLua.jsonText}): user kwargs and metadata are copied byte
   * for byte. Anything else returns { 0 } having written nothing, and the
   * caller takes the locked path.
   *
   * KEYS: lock, next, tasks, tt, inst, latest, counts, unresolved, tv, and
   * optionally the BullMQ lock key of the job whose finish this is, sent
   * ahead of BullMQ's completion on the same connection (PipelinedFinish):
   * declining deletes it, so BullMQ cannot complete that job.
   * ARGV: ISO time, ttlSeconds (0 = none), unstarted prefix, tasks version,
   * then the update: instance name ('' = none) [, task, task JSON, status,
   * index flag (u/o/r), then either '', #metadata, (key JSON, value JSON)...
   * (edit the stored text) or the record text the caller knows and the new
   * record it computed from it (applied only if the stored text is still
   * exactly that: no parsing at all)],
   * then the fire: trigger ('' = none) [, trigger JSON, kwargs JSON, #tasks,
   * per task: name, name JSON, andEvery is the trigger (0/1), trigger in
   * after (0/1), trigger in unless (0/1), #after, (name, JSON)..., #unless,
   * (name, JSON)..., then the job timestamp (ms) and per task '0' or '1'
   * and its ScriptedJob (queue key prefix, job name, options JSON,
   * job id head, payload head, middle, tail)] where `after` includes `andEvery`.
   *
   * A scheduled instance of a task with a `ScriptedJob` and no `cooldown`
   * or `depth` metadata gets its BullMQ job added here, by BullMQ's own add
   * script (`bullmqAddStandardJob`), after the session writes: recording
   * `scheduled` and enqueueing are one atomic step. The job data carries
   * the record text just written (`record`, up to 8 KiB) and the session's key base
   * (`session`), so the worker can start the instance by text comparison
   * ({@link RedisScripts.startKnown}), or the script fetching the job can
   * ({@link startOnFetchScript}).
   *
   * Returns { 0 } (declined) or { 2, updated record JSON ('' = none; '='
   * when it is the new record the caller computed, not sent back),
   * [name, record JSON, enqueued (0/1), ...] of the instances now `scheduled` }.
   */
  applyAtomically: new RedisScript<AtomicReply>(
    'applyAtomically',
    `
local function decline()
  if KEYS[10] then redis.call('DEL', KEYS[10]) end
  return { 0 }
end
if redis.call('EXISTS', KEYS[1], KEYS[2]) > 0 then return decline() end
if ARGV[4] == '' or (redis.call('GET', KEYS[9]) or '') ~= ARGV[4] then return decline() end
` +
      RedisLua.jsonText +
      RedisLua.refreshTtl +
      RedisLua.putRecord +
      (bullmqAddStandardJobLua ?? "local function bullmqAddStandardJob() error('BullMQ add script unavailable') end\n") +
      `
local iso = '"' .. ARGV[1] .. '"'
local prefix = ARGV[3]

-- The spans of a record's status, task, kwargs, abandonState and metadata (start, end exclusive). Records
-- are JSON.stringify(toRecord()): these members in this order, read in one pass; any other shape is read
-- member by member.
local function recordSpans(rec)
  if strsub(rec, 1, 8) == '{"name":' then
    local p = skipString(rec, 9)
    if strsub(rec, p, p + 7) == ',"task":' then
      local taskEnd = skipString(rec, p + 8)
      if strsub(rec, taskEnd, taskEnd + 9) == ',"status":' then
        local statusEnd = skipString(rec, taskEnd + 10)
        if strsub(rec, statusEnd, statusEnd + 9) == ',"kwargs":' then
          return { taskEnd + 10, statusEnd }, { p + 8, taskEnd }, statusEnd + 10, true
        end
      end
    end
  end
  local top, topEnd = members(rec, 1)
  if topEnd ~= #rec then error('trailing text') end
  local status, task, kwargs, ab, meta = top['"status"'], top['"task"'], top['"kwargs"'], top['"abandonState"'], top['"metadata"']
  if not (status and task and kwargs and ab and meta) then error('not a record') end
  return status, task, kwargs[1], false, ab[1], meta[1]
end

-- The index just past \`text\`, which the record must have at \`at\`.
local function past(rec, at, text)
  if strsub(rec, at, at + #text - 1) ~= text then error('not a record') end
  return at + #text
end

local function parseRecord(rec)
  local status, task, kwStart, inOrder, abStart, metaStart = recordSpans(rec)
  local r = { text = rec, statusSpan = status }
  r.status = string.sub(rec, status[1], status[2] - 1)
  r.task = string.sub(rec, task[1], task[2] - 1)
  r.kwStart = kwStart
  r.kw, r.kwEnd = members(rec, kwStart)
  r.kwEmpty = r.kwEnd == kwStart + 1
  if inOrder then abStart = past(rec, r.kwEnd + 1, ',"abandonState":') end
  r.ab, r.abEnd = items(rec, abStart)
  r.abEmpty = r.abEnd == abStart + 1
  if inOrder then metaStart = past(rec, r.abEnd + 1, ',"metadata":') end
  r.meta, r.metaEnd = members(rec, metaStart)
  if inOrder and (r.metaEnd ~= #rec - 1 or strbyte(rec, #rec) ~= 125) then error('not a record') end
  r.jobMeta = r.meta['"cooldown"'] ~= nil or r.meta['"depth"'] ~= nil
  local stamps = r.meta['"timestamps"']
  if not stamps then error('no timestamps') end
  r.stamps, r.stampsEnd = members(rec, stamps[1])
  r.stampsEmpty = r.stampsEnd == stamps[1] + 1
  return r
end

-- The record with a new status (or nil), an applied kwarg { key JSON, value JSON } (or nil), an
-- abandon trigger JSON (or nil) and metadata members { key JSON, value JSON } set; lastModified
-- (and the new status's timestamp) stamped, as TaskInstance.touch / setStatus do.
local function rewrite(r, status, kwarg, abandon, meta)
  local edits = {}
  if status then edits[#edits + 1] = { r.statusSpan[1], r.statusSpan[2], '"' .. status .. '"' } end
  if kwarg then edits[#edits + 1] = { r.kwEnd, r.kwEnd, (r.kwEmpty and '' or ',') .. kwarg[1] .. ':' .. kwarg[2] } end
  if abandon then edits[#edits + 1] = { r.abEnd, r.abEnd, (r.abEmpty and '' or ',') .. abandon } end
  local metaAppend = ''
  for _, m in ipairs(meta) do
    local span = r.meta[m[1]]
    if span then
      edits[#edits + 1] = { span[1], span[2], m[2] }
    else
      metaAppend = metaAppend .. ',' .. m[1] .. ':' .. m[2]
    end
  end
  if metaAppend ~= '' then edits[#edits + 1] = { r.metaEnd, r.metaEnd, metaAppend } end
  local stampKeys = { '"lastModified"' }
  if status then stampKeys[2] = '"' .. status .. '"' end
  local stampAppend = ''
  for _, key in ipairs(stampKeys) do
    local span = r.stamps[key]
    if span then
      edits[#edits + 1] = { span[1], span[2], iso }
    else
      stampAppend = stampAppend .. ((r.stampsEmpty and stampAppend == '') and '' or ',') .. key .. ':' .. iso
    end
  end
  if stampAppend ~= '' then edits[#edits + 1] = { r.stampsEnd, r.stampsEnd, stampAppend } end
  return splice(r.text, edits)
end

local writes, counts, ready, enqueue, jobs = {}, {}, {}, {}, {}
local jobTimestamp
local updatedText, updatedReply, latestWrite = '', '', nil

local ok = pcall(function()
  local p
  local updName = ARGV[5]
  if updName ~= '' then
    local task, taskJson, status, flag, expected = ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10]
    local rec = redis.call('HGET', KEYS[5], updName)
    if not rec then error('no such instance') end
    if expected ~= '' then
      -- The caller computed the new record from the text it knows: valid only if that is still the text.
      if rec ~= expected then error('changed since the caller read it') end
      updatedText = ARGV[11]
      updatedReply = '='
      p = 12
    else
      local nMeta = tonumber(ARGV[11])
      local meta = {}
      for k = 1, nMeta do meta[k] = { ARGV[10 + 2 * k], ARGV[11 + 2 * k] } end
      p = 12 + 2 * nMeta
      local r = parseRecord(rec)
      if r.task ~= taskJson then error('an instance of another task') end
      updatedText = rewrite(r, status, nil, nil, meta)
      updatedReply = updatedText
    end
    writes[#writes + 1] = { updName, task, updatedText, flag }
  else
    p = 6
  end

  local trigger = ARGV[p]
  if trigger == '' then return end
  local triggerJson, kwargs, nTasks = ARGV[p + 1], ARGV[p + 2], tonumber(ARGV[p + 3])
  p = p + 4
  local latest = {}
  local function latestOf(name)
    local v = latest[name]
    if v == nil then
      v = redis.call('HGET', KEYS[6], name) or false
      latest[name] = v
    end
    return v
  end
  for ti = 1, nTasks do
    local task, taskJson = ARGV[p], ARGV[p + 1]
    local isEvery, inAfter, inUnless = ARGV[p + 2] == '1', ARGV[p + 3] == '1', ARGV[p + 4] == '1'
    local after, unless = {}, {}
    local nAfter = tonumber(ARGV[p + 5])
    p = p + 6
    for k = 1, nAfter do
      after[k] = { ARGV[p], ARGV[p + 1] }
      p = p + 2
    end
    local nUnless = tonumber(ARGV[p])
    p = p + 1
    for k = 1, nUnless do
      unless[k] = { ARGV[p], ARGV[p + 1] }
      p = p + 2
    end

    -- The unstarted instances, in creation order: apply the trigger to each.
    local numbered = {}
    for _, name in ipairs(redis.call('SMEMBERS', prefix .. task)) do
      if name == updName then error('the updated instance is fired at') end
      local n = tonumber(string.match(name, '#(%d+)$'))
      if not n then error('not an instance name') end
      numbered[#numbered + 1] = { n, name }
    end
    table.sort(numbered, function(a, b) return a[1] < b[1] end)
    local insts, applied = {}, false
    for _, item in ipairs(numbered) do
      local rec = redis.call('HGET', KEYS[5], item[2])
      if rec then
        local r = parseRecord(rec)
        if r.status == '"unstarted"' then
          local inst = { name = item[2], n = item[1], r = r, kw = r.kw, ab = r.ab }
          if inAfter and not r.kw[triggerJson] then
            inst.kwarg = { triggerJson, kwargs }
            r.kw[triggerJson] = true
            inst.dirty = true
          end
          if inUnless and not r.ab[triggerJson] then
            inst.abandon = triggerJson
            r.ab[triggerJson] = true
            inst.dirty = true
          end
          if inst.dirty then applied = true end
          insts[#insts + 1] = inst
        end
      end
    end

    -- A new instance: the task has none yet, or its andEvery trigger applied to none.
    local count = tonumber(redis.call('HGET', KEYS[7], task) or '0')
    if count == 0 or (isEvery and not applied) then
      local kwParts, abParts, kw, ab = {}, {}, {}, {}
      for _, a in ipairs(after) do
        if a[1] ~= trigger then
          local v = latestOf(a[1])
          if v then
            kwParts[#kwParts + 1] = a[2] .. ':' .. v
            kw[a[2]] = true
          end
        end
      end
      for _, u in ipairs(unless) do
        if u[1] ~= trigger and latestOf(u[1]) then
          abParts[#abParts + 1] = u[2]
          ab[u[2]] = true
        end
      end
      if inAfter then
        kwParts[#kwParts + 1] = triggerJson .. ':' .. kwargs
        kw[triggerJson] = true
      end
      if inUnless then
        abParts[#abParts + 1] = triggerJson
        ab[triggerJson] = true
      end
      insts[#insts + 1] = {
        name = task .. '#' .. count, n = count, new = true, kw = kw, ab = ab,
        kwText = '{' .. table.concat(kwParts, ',') .. '}', abText = '[' .. table.concat(abParts, ',') .. ']',
      }
      counts[#counts + 1] = { task, count + 1 }
    end

    -- Abandon or schedule.
    for _, inst in ipairs(insts) do
      local status
      local abandon = nUnless > 0
      for _, u in ipairs(unless) do
        if not inst.ab[u[2]] then
          abandon = false
          break
        end
      end
      if abandon then
        status = 'abandoned'
      else
        status = 'scheduled'
        for _, a in ipairs(after) do
          if not inst.kw[a[2]] then
            status = nil
            break
          end
        end
      end
      local text
      if inst.new then
        local stamps = '"created":' .. iso .. ',"lastModified":' .. iso .. ',"unstarted":' .. iso
        if status then stamps = stamps .. ',"' .. status .. '":' .. iso end
        text = '{"name":' .. string.sub(taskJson, 1, -2) .. '#' .. inst.n .. '","task":' .. taskJson ..
          ',"status":"' .. (status or 'unstarted') .. '","kwargs":' .. inst.kwText ..
          ',"abandonState":' .. inst.abText .. ',"metadata":{"timestamps":{' .. stamps .. '}}}'
      elseif inst.dirty or status then
        text = rewrite(inst.r, status, inst.kwarg, inst.abandon, {})
      end
      if text then
        local flag = 'u'
        if status == 'abandoned' then flag = 'r' elseif status == 'scheduled' then flag = 'o' end
        writes[#writes + 1] = { inst.name, task, text, flag }
        if status == 'scheduled' then
          ready[#ready + 1] = inst.name
          ready[#ready + 1] = text
          ready[#ready + 1] = '0'
          if inst.new or not inst.r.jobMeta then
            local kwText = inst.kwText
            if not inst.new then
              local r = inst.r
              kwText = string.sub(r.text, r.kwStart, r.kwEnd - 1) ..
                (inst.kwarg and ((r.kwEmpty and '' or ',') .. inst.kwarg[1] .. ':' .. inst.kwarg[2]) or '') .. '}'
            end
            enqueue[#enqueue + 1] = { ti = ti, flag = #ready, nameJson = string.sub(taskJson, 1, -2) .. '#' .. inst.n .. '"', kwText = kwText }
          end
        end
      end
    end
  end
  latestWrite = { trigger, kwargs }

  -- How each task's ready instances may be enqueued here (BullMQ's own add script), or '0'.
  jobTimestamp = tonumber(ARGV[p])
  p = p + 1
  for ti = 1, nTasks do
    if ARGV[p] == '1' then
      jobs[ti] = { queue = ARGV[p + 1], name = ARGV[p + 2], opts = cjson.decode(ARGV[p + 3]), idHead = ARGV[p + 4],
        head = ARGV[p + 5], middle = ARGV[p + 6], tail = ARGV[p + 7] }
      p = p + 8
    else
      p = p + 1
    end
  end
end)
if not ok then return decline() end

for _, w in ipairs(writes) do putRecord(KEYS, w[1], w[2], w[3], w[4], prefix) end
for _, c in ipairs(counts) do redis.call('HSET', KEYS[7], c[1], c[2]) end
if latestWrite then redis.call('HSET', KEYS[6], latestWrite[1], latestWrite[2]) end
refreshTtl(KEYS, tonumber(ARGV[2]), prefix)
-- The record text as a job data member, a hint for the worker's start (not for big records), with the
-- session's key base (the lock key is <base>lock), where the script fetching the job may start it.
local sessionMember = ',"session":' .. cjson.encode(string.sub(KEYS[1], 1, -5))
local function recordMember(text)
  if #text > 8192 then return '' end
  return ',"record":' .. cjson.encode(text) .. sessionMember
end
for _, e in ipairs(enqueue) do
  local job = jobs[e.ti]
  if job then
    local q = job.queue
    local jobId = 'i-' .. redis.sha1hex(job.idHead .. e.nameJson .. ']')
    job.opts['jobId'] = jobId
    bullmqAddStandardJob(
      { q .. 'wait', q .. 'paused', q .. 'meta', q .. 'id', q .. 'completed', q .. 'delayed', q .. 'active', q .. 'events', q .. 'marker' },
      { cmsgpack.pack({ q, jobId, job.name, jobTimestamp }),
        job.head .. e.nameJson .. job.middle .. e.kwText .. job.tail .. recordMember(ready[e.flag - 1]) .. '}', cmsgpack.pack(job.opts) })
    ready[e.flag] = '1'
  end
end
return { 2, updatedReply, ready }`,
  ),

  /**
   * Deletes every record key of the session (fenced like a write).
   * KEYS: lock, tasks, tt, inst, latest, counts, unresolved, tv. ARGV: token, unstarted prefix.
   */
  deleteSession: new RedisScript<number>(
    'deleteSession',
    `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return redis.error_reply('TRIGGERS_LOCK_LOST the session lock is no longer held by this operation')
end
for _, task in ipairs(redis.call('HKEYS', KEYS[3])) do redis.call('DEL', ARGV[2] .. task) end
for _, task in ipairs(redis.call('HKEYS', KEYS[6])) do redis.call('DEL', ARGV[2] .. task) end
return redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8])`,
  ),
};

/**
 * What {@link RedisScripts.applyAtomically} returns: declined, or the
 * updated record and the scheduled instances as [name, record, enqueued
 * ('1': its job was added by the script, '0': hand it to its runner)] triples.
 */
export type AtomicReply = [0] | [2, string, string[]];

/** Marker in the error a fenced script returns when the lock was lost. */
export const LOCK_LOST_MARKER = 'TRIGGERS_LOCK_LOST';

/** What {@link RedisScripts.readForFire} returns: task pairs, using tasks, unstarted records, counts, latest pairs, tasks version. */
export type FireReply = [string[], string[], string[], string[], string[], string];
