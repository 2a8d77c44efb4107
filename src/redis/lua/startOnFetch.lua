--[[
  One of BullMQ's scripts that fetch a job for a worker (moveToFinished,
  which completes a job and fetches the next, or moveToActive, for an idle
  worker) followed by the start of the fetched job's instance: scheduled ->
  running with actualKwargs and stamps, written exactly as
  TaskInstance.start() computes it.

  It acts only where it can be exact: the job was enqueued by
  applyAtomically (its data opens with session, the session's key base,
  under this worker's key head, and record, the text written scheduled,
  found in place: the data is not decoded), the job is the one of the
  instance and session those hints name (its id is the deterministic id of
  the prefix, the data's uid and instance; the instance is the record's;
  the key base is the uid's, by the uid the session keeps (<base>uid) or,
  for a session written before it kept one, by the uid's tag: a forged job
  starts nothing), the
  stored record is still exactly that text, the session's lock is free and
  nobody waits for it, the record has the shape the storage writes
  (metadata holding only its four timestamps, no integer-like trigger
  names), and the task's withParams share no top-level key with the kwargs
  (so their deep merge is the two texts' members one after the other).
  Anything else leaves the instance scheduled for the worker to start.

  KEYS vary: BullMQ's own, passed through (14 for moveToFinished, 11 for
  moveToActive in the supported BullMQ).

  ARGV[1..n-4] BullMQ's own arguments
  ARGV[n-3] ISO time of the start
  ARGV[n-2] session TTL, seconds (0 = none)
  ARGV[n-1] the session key head of the fetched job's shard (<prefix>:{ on
          one server, {<prefix>.s<k>}:{ on a Cluster: only a session
          whose keys share the slot of BullMQ's KEYS is started)
  ARGV[n] the key prefix as JSON text (for the job id check)

  Returns BullMQ's own result unchanged, with { instance name, running
  record, task entry JSON, tasks version, the uid's JSON text in the job
  data (whose job id was checked) } appended as a fifth element when the
  instance was started.

  Placeholders: "bullmqFetch", the body of BullMQ's script;
  "sessionKeyLayout", the key layout from RedisSessionKeys.
]]
-- BullMQ's fetching script, as a function of BullMQ's own keys and arguments.
local function bullmqFetch(KEYS, ARGV)
--- @insert "bullmqFetch"
end
--- @include "stringLocals"
--- @include "skipString"
--- @include "skipValue"
--- @include "members"
--- @include "refreshTtl"
--- @include "putRecord"
--- @include "freeTasksVersion"
--- @include "uidPart"
--- @include "instanceJobId"
-- The uid's hash tag, for a session that keeps no uid (written before sessions kept one): sessionTag and
-- the functions it needs are defined only then (a script run re-creates every function it defines).
local function tagOfUid(uidJson)
--- @include "sessionTag"
  return sessionTag(uidJson)
end

-- The session key layout: SCRIPT_PARTS (the parts of the session scripts' KEYS, in order) and UNSTARTED_PART.
--- @insert "sessionKeyLayout"
local n = #ARGV
local iso, ttl, keyHead, prefixJson = ARGV[n - 3], tonumber(ARGV[n - 2]), ARGV[n - 1], ARGV[n]
local bullArgv = {}
for i = 1, n - 4 do bullArgv[i] = ARGV[i] end
local result = bullmqFetch(KEYS, bullArgv)
if type(result) ~= 'table' or type(result[1]) ~= 'table' then return result end

local SESSION_HINT, RECORD_HINT, UID_MEMBER, INSTANCE_MEMBER = '{"session":"', '","record":', ',"uid":', ',"instance":'
local TIMESTAMPS = ',"metadata":{"timestamps":{"created":("[^"]*"),"lastModified":"[^"]*","unstarted":("[^"]*"),"scheduled":("[^"]*")}}}$'
local STATUS_AND_KWARGS = ',"status":"scheduled","kwargs":'
local ABANDON_STATE = ',"abandonState":'

local function startFetched(flat, jobId)
  local dataText
  for i = 1, #flat, 2 do
    if flat[i] == 'data' then
      dataText = flat[i + 1]
      break
    end
  end
  -- The data opens {"session":"<base>","record":<record text>, (applyAtomically): read in place, not decoded.
  if not dataText or strsub(dataText, 1, 12) ~= SESSION_HINT then return nil end
  local baseEnd = strfind(dataText, '"', 13, true)
  if not baseEnd or strsub(dataText, baseEnd, baseEnd + 10) ~= RECORD_HINT then return nil end
  local base = strsub(dataText, 13, baseEnd - 1)
  if strfind(base, BS, 1, true) then return nil end
  if strsub(base, 1, #keyHead) ~= keyHead or strsub(base, -2) ~= '}:' then return nil end
  -- The record's own name (it opens {"name":"<name>"), unescaped names only.
  local recAt = baseEnd + 11
  if strsub(dataText, recAt, recAt + 8) ~= '{"name":"' then return nil end
  local nameEnd = strfind(dataText, '"', recAt + 9, true)
  if not nameEnd then return nil end
  local name = strsub(dataText, recAt + 9, nameEnd - 1)
  if strfind(name, BS, 1, true) then return nil end
  -- The session's keys in the KEYS order of the storage's scripts, for the shared fragments.
  local K = {}
  for i, part in ipairs(SCRIPT_PARTS) do K[i] = base .. part end
  local version, storedUid = freeTasksVersion(K[1], K[2], K[9], base .. UID_PART)
  if not version then return nil end
  local rec = redis.call('HGET', K[5], name)
  -- The stored text must be the hint exactly, and the hint the whole "record" value (a comma follows it).
  if not rec or strbyte(dataText, recAt + #rec) ~= 44 or strsub(dataText, recAt, recAt + #rec - 1) ~= rec then return nil end
  -- Then ,"uid":<uid>,"instance":<name> (the payload's head): the job must be that instance's, in that uid's session.
  local uidAt = recAt + #rec + #UID_MEMBER
  if strsub(dataText, uidAt - #UID_MEMBER, uidAt - 1) ~= UID_MEMBER then return nil end
  local uidEnd = skipString(dataText, uidAt)
  local nameJson = '"' .. name .. '"'
  if strsub(dataText, uidEnd, uidEnd + #INSTANCE_MEMBER + #nameJson - 1) ~= INSTANCE_MEMBER .. nameJson then return nil end
  local uidJson = strsub(dataText, uidAt, uidEnd - 1)
  if jobId ~= instanceJobId('[' .. prefixJson .. ',' .. uidJson .. ',', nameJson) then return nil end
  -- The key base must be that uid's: the uid its tasks were written with, else (a session written before
  -- the uid was kept) the base the uid's tag gives.
  if storedUid then
    if storedUid ~= uidJson then return nil end
  elseif base ~= keyHead .. (tagOfUid(uidJson) or '') .. '}:' then
    return nil
  end
  if strfind(rec, '"__proto__"', 1, true) then return nil end

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
  local wpSpan = strfind(entry, '"withParams":', 1, true) and members(entry, 1)['"withParams"']
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
  putRecord(K, name, task, text, 'running', 'scheduled', base .. UNSTARTED_PART)
  refreshTtl(K, ttl, base .. UNSTARTED_PART)
  return { name, text, entry, version, uidJson }
end

local ok, started = pcall(startFetched, result[1], result[2])
if ok and started then result[5] = started end
return result
