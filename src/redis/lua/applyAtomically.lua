--[[
  A whole operation in one atomic step, without the lock: optionally a
  status change of one instance (metadata merged, as updateInstanceStatus
  does), then optionally a fire (docs/firing.md, steps 1-3: apply the
  trigger to the unstarted instances of the tasks mentioning it, create
  instances, abandon or mark ready ones scheduled, record the latest
  kwargs). TriggerManager then hands the scheduled instances to their
  runners.

  The caller derives, from its cached configuration, which tasks mention
  the trigger and what they need; the script only acts when that
  configuration is still current (tasks version), when the lock is free
  and no waiter is marked, and when every record it reads has the shape
  JSON.stringify gives it. Records are edited as text: user kwargs and
  metadata are copied byte for byte. Anything else returns { 0 } having
  written nothing, and the caller takes the locked path.

  A scheduled instance of a task with a ScriptedJob and no cooldown or
  depth metadata gets its BullMQ job added here, by BullMQ's own add
  script, after the session writes. The job data opens with the session's
  key base (session) and the record text just written (record, a JSON
  value, up to 8 KiB), so the worker can start the instance by text
  comparison (startKnown), or the script fetching the job can
  (startOnFetch).

  KEYS vary: 9, or 10 for a finish sent ahead of BullMQ's completion
  (PipelinedFinish).
  KEYS[1] lock
  KEYS[2] next
  KEYS[3] tasks
  KEYS[4] tt
  KEYS[5] inst
  KEYS[6] latest
  KEYS[7] counts
  KEYS[8] unresolved
  KEYS[9] tv
  KEYS[10] (optional) the BullMQ lock key of the job whose finish this is:
    declining deletes it, so BullMQ cannot complete that job

  ARGV[1] ISO time
  ARGV[2] TTL, seconds (0 = none)
  ARGV[3] unstarted prefix
  ARGV[4] tasks version
  ARGV[5] the update: instance name ('' = none) [, task, task JSON,
    status, then either '', #metadata, (key JSON, value
    JSON)... (edit the stored text) or the record text the caller knows and
    the new record it computed from it (applied only if the stored text is
    still exactly that)]
  ARGV[...] then the fire: trigger ('' = none) [, trigger JSON, kwargs
    JSON, #tasks, per task: name, name JSON, andEvery is the trigger (0/1),
    trigger in after (0/1), trigger in unless (0/1), #after, (name,
    JSON)..., #unless, (name, JSON)..., then the job timestamp (ms) and per
    task '0' or '1' and its ScriptedJob (queue key prefix, job name,
    options JSON (an object without jobId), job id head, payload head,
    middle, tail)] where after includes
    andEvery
  ARGV[#ARGV - 4..#ARGV] the operation id ('' = none) and where it is
    remembered (see includes/operationOf.lua)

  Returns { 0 } (declined) or { 2, updated record JSON ('' = none; '='
  when it is the new record the caller computed, not sent back), [name,
  record JSON, enqueued (0/1), ...] of the instances now scheduled }, or,
  when the operation id was already applied (nothing written), { 3, the
  updated instance's record now, the same triples of the instances that
  application scheduled, with their records now }.

  Placeholder: "addStandardJob", the body of BullMQ's add script
  (BullMQInternals).
]]
--- @include "operationOf"
--- @include "appliedOutcome"
--- @include "recordOutcome"
--- @include "freeTasksVersion"
--- @include "instanceJobId"
local op = operationOf(KEYS, ARGV, #ARGV - 4)
-- Looked up before any lock or version check: a repeat is recognised even while the lock is held.
local applied = appliedOutcome(op)
if applied then
  -- A repeat (a retry whose first reply was lost, or a repeated idempotency key): answer the first outcome.
  local names = cjson.decode(applied)
  local updated = names[1] ~= '' and redis.call('HGET', KEYS[5], names[1]) or ''
  local again = {}
  for i = 2, #names, 2 do
    local text = redis.call('HGET', KEYS[5], names[i])
    if text then
      again[#again + 1] = names[i]
      again[#again + 1] = text
      again[#again + 1] = names[i + 1]
    end
  end
  return { 3, updated, again }
end
local function decline()
  if KEYS[10] then redis.call('DEL', KEYS[10]) end
  return { 0 }
end
local version = freeTasksVersion(KEYS[1], KEYS[2], KEYS[9])
if not version or ARGV[4] == '' or version ~= ARGV[4] then return decline() end

--- @include "stringLocals"
--- @include "refreshTtl"
--- @include "putRecord"
--- @include "recordHead"
--- @include "recordStatus"
-- BullMQ's own addStandardJob script (what Queue.add runs for a job without delay, priority or parent),
-- as a function taking the keys and arguments Queue.add would send; an error when BullMQ's is unavailable.
-- Its only use of cmsgpack is to unpack its arguments array (ARGV[1]) and options (ARGV[3])
-- (BullMQInternals checks): with TABLES_AS_PACKED as cmsgpack, it takes both as the tables they unpack to,
-- so nothing is packed here to be unpacked there.
local function bullmqAddStandardJob(KEYS, ARGV, cmsgpack)
--- @insert "addStandardJob"
end

local iso = '"' .. ARGV[1] .. '"'
local prefix = ARGV[3]

-- parseRecord(rec) and rewrite(r, ...), and the JSON-text functions they need, are defined by
-- recordEditors() on first use: a script run re-creates every function it defines, and most runs (a
-- finish, a fire that only creates instances) edit no stored record.
local parseRecord, rewrite
local function recordEditors()
--- @include "members"
--- @include "items"
--- @include "splice"
  -- The spans of a record's status, task, kwargs, abandonState and metadata (start, end exclusive). Records
  -- are JSON.stringify(toRecord()): these members in this order, read in one pass; any other shape is read
  -- member by member.
  local function recordSpans(rec)
    local taskStart, taskEnd, statusStart, statusEnd = recordHead(rec)
    if taskStart and strsub(rec, statusEnd, statusEnd + 9) == ',"kwargs":' then
      return { statusStart, statusEnd }, { taskStart, taskEnd }, statusEnd + 10, true
    end
    local top, topEnd = members(rec, 1)
    if topEnd ~= #rec then error('trailing text') end
    local status, task, kwargs, ab, meta = top['"status"'], top['"task"'], top['"kwargs"'], top['"abandonState"'], top['"metadata"']
    if not (status and task and kwargs and ab and meta) then error('not a record') end
    return status, task, kwargs[1], false, ab[1], meta[1]
  end

  -- The index just past `text`, which the record must have at `at`.
  local function past(rec, at, text)
    if strsub(rec, at, at + #text - 1) ~= text then error('not a record') end
    return at + #text
  end

  parseRecord = function(rec)
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
  rewrite = function(r, status, kwarg, abandon, meta)
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
end

local writes, counts, ready, enqueue, jobs = {}, {}, {}, {}, {}
local jobTimestamp
local updatedText, updatedReply, latestWrite = '', '', nil

local ok = pcall(function()
  local p
  local updName = ARGV[5]
  if updName ~= '' then
    local task, taskJson, status, expected = ARGV[6], ARGV[7], ARGV[8], ARGV[9]
    local rec = redis.call('HGET', KEYS[5], updName)
    if not rec then error('no such instance') end
    local old
    if expected ~= '' then
      -- The caller computed the new record from the text it knows: valid only if that is still the text.
      if rec ~= expected then error('changed since the caller read it') end
      old = recordStatus(rec)
      updatedText = ARGV[10]
      updatedReply = '='
      p = 11
    else
      local nMeta = tonumber(ARGV[10])
      local meta = {}
      for k = 1, nMeta do meta[k] = { ARGV[9 + 2 * k], ARGV[10 + 2 * k] } end
      p = 11 + 2 * nMeta
      if not parseRecord then recordEditors() end
      local r = parseRecord(rec)
      if r.task ~= taskJson then error('an instance of another task') end
      old = strsub(r.status, 2, -2)
      updatedText = rewrite(r, status, nil, nil, meta)
      updatedReply = updatedText
    end
    writes[#writes + 1] = { updName, task, updatedText, status, old }
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
        if not parseRecord then recordEditors() end
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
        writes[#writes + 1] = { inst.name, task, text, status or 'unstarted', not inst.new and 'unstarted' }
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
      -- The job options (each job of the task gets its jobId set on them): anything but an object without
      -- jobId declines (the locked path enqueues).
      local opts = cjson.decode(ARGV[p + 3])
      if type(opts) ~= 'table' or opts.jobId ~= nil then error('job options that are no object without jobId') end
      jobs[ti] = { queue = ARGV[p + 1], name = ARGV[p + 2], opts = opts, idHead = ARGV[p + 4],
        head = ARGV[p + 5], middle = ARGV[p + 6], tail = ARGV[p + 7] }
      p = p + 8
    else
      p = p + 1
    end
  end
end)
if not ok then return decline() end

-- Which ready instances get their job here, then the outcome recorded before the first write: the names
-- of the instances scheduled, with those flags.
for _, e in ipairs(enqueue) do
  if jobs[e.ti] then ready[e.flag] = '1' end
end
if op.id ~= '' then
  local outcome = { ARGV[5] }
  for i = 1, #ready, 3 do
    outcome[#outcome + 1] = ready[i]
    outcome[#outcome + 1] = ready[i + 2]
  end
  recordOutcome(op, cjson.encode(outcome))
end

for _, w in ipairs(writes) do putRecord(KEYS, w[1], w[2], w[3], w[4], w[5], prefix) end
for _, c in ipairs(counts) do redis.call('HSET', KEYS[7], c[1], c[2]) end
if latestWrite then redis.call('HSET', KEYS[6], latestWrite[1], latestWrite[2]) end
refreshTtl(KEYS, tonumber(ARGV[2]), prefix)
-- The job data opens with two hints for the worker's start (not for big records): the session's key base
-- (the lock key is <base>lock), where the script fetching the job may start it, and the record text just
-- written, as a JSON value (it is JSON: copied as is, nothing to escape), which the fetching script finds at
-- a fixed place and compares with the stored text.
if enqueue[1] then
  local base = string.sub(KEYS[1], 1, -5)
  -- As JSON.stringify writes it (cjson would escape '/'), for the fetching script to read in place.
  local baseJson = string.find(base, '[%c"\\]') and cjson.encode(base) or ('"' .. base .. '"')
  local hintsHead = '{"session":' .. baseJson .. ',"record":'
  -- cmsgpack for BullMQ's add script: its arguments and options are passed as tables already.
  local TABLES_AS_PACKED = { unpack = function(unpacked) return unpacked end }
  for _, e in ipairs(enqueue) do
    local job = jobs[e.ti]
    if job then
      local q = job.queue
      local jobId = instanceJobId(job.idHead, e.nameJson)
      local text = ready[e.flag - 1]
      local head = #text > 8192 and job.head or (hintsHead .. text .. ',' .. string.sub(job.head, 2))
      -- BullMQ's script reads the options while it runs and keeps only their JSON text: one table serves every job.
      job.opts.jobId = jobId
      bullmqAddStandardJob(
        { q .. 'wait', q .. 'paused', q .. 'meta', q .. 'id', q .. 'completed', q .. 'delayed', q .. 'active', q .. 'events', q .. 'marker' },
        { { q, jobId, job.name, jobTimestamp }, head .. e.nameJson .. job.middle .. e.kwText .. job.tail .. '}', job.opts },
        TABLES_AS_PACKED)
    end
  end
end
return { 2, updatedReply, ready }
