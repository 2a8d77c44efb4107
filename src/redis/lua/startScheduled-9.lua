--[[
  A worker's start step in one round trip: moves a scheduled instance to
  running exactly as TriggerManager.startInstance does under the lock
  (status running; metadata.actualKwargs = the kwargs, since the task has
  no withParams; timestamps.lastModified and timestamps.running stamped),
  without taking the lock: being one atomic script, it is the same as
  "acquire, read, write, release" with nothing in between.

  It only acts when the lock is free and no other process waits for it, and
  only on records it can edit exactly: the new record is the old JSON text
  with those values spliced in. Anything else (lock held, waiter marked,
  instance or task missing, withParams set, a record of another shape)
  returns { 0 } and writes nothing: the caller takes the locked path.

  KEYS[1] lock
  KEYS[2] next
  KEYS[3] tasks
  KEYS[4] tt
  KEYS[5] inst
  KEYS[6] latest
  KEYS[7] counts
  KEYS[8] unresolved
  KEYS[9] tv

  ARGV[1] instance name
  ARGV[2] TTL, seconds (0 = none)
  ARGV[3] unstarted prefix
  ARGV[4] ISO time
  ARGV[5..9] the operation id of this start ('' = none) and where it is
    remembered (see includes/operationOf.lua)

  Returns { 0 } (use the locked path), { 1 } (not scheduled: nothing to
  start), { 2, new record JSON, task entry JSON }, or { 3, record JSON now,
  task entry JSON } when this operation id already started it (a retry
  whose first reply was lost; nothing written).
]]
--- @include "operationOf"
--- @include "appliedOutcome"
--- @include "recordOutcome"
local op = operationOf(KEYS, ARGV, 5)
local started = appliedOutcome(op)
if started then
  local now = redis.call('HGET', KEYS[5], ARGV[1])
  local entry = redis.call('HGET', KEYS[3], started)
  if now and entry then return { 3, now, entry } end
  return { 1 }
end
if redis.call('EXISTS', KEYS[1], KEYS[2]) > 0 then return { 0 } end
local rec = redis.call('HGET', KEYS[5], ARGV[1])
if not rec or string.find(rec, '"__proto__"', 1, true) then return { 0 } end

--- @include "stringLocals"
--- @include "members"
--- @include "splice"
--- @include "refreshTtl"
--- @include "putRecord"

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
recordOutcome(op, result[4])
putRecord(KEYS, ARGV[1], result[4], result[2], 'running', 'scheduled', ARGV[3])
refreshTtl(KEYS, tonumber(ARGV[2]), ARGV[3])
return { 2, result[2], result[3] }
