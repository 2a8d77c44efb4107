--[[
  Applies one operation's writes, if and only if the token still owns the
  lock (fencing: a holder whose lock expired writes nothing), then
  refreshes the session's TTL.

  When task entries are written, the tasks version becomes the SHA-1 of
  every entry of the session (names and texts, length-prefixed, in name
  order): a digest of the configuration, so equal versions mean equal
  configurations, across sessions too.

  KEYS[1] lock
  KEYS[2] next
  KEYS[3] tasks
  KEYS[4] tt
  KEYS[5] inst
  KEYS[6] latest
  KEYS[7] counts
  KEYS[8] unresolved
  KEYS[9] tv

  ARGV[1] token
  ARGV[2] TTL, seconds (0 = none)
  ARGV[3] unstarted prefix
  ARGV[4] #tasks
  ARGV[5] #latest
  ARGV[6] #counts
  ARGV[7] #instances
  ARGV[8] the uid as JSON text, kept in <base>uid when tasks are written
    (RedisSessionKeys.uidKey)
  ARGV[9..] [task, json, triggers]..., [trigger, json]..., [task, count]...,
    [name, task, json, status]...
  ARGV[#ARGV - 5] the outcome text recorded with the operation id
  ARGV[#ARGV - 4..#ARGV] the operation id of this write ('' = none) and
    where it is remembered (see includes/operationOf.lua)

  Returns { whether another process is waiting for the lock (0/1), the
  tasks version before this write ('' = none), the version after it ('' =
  none) }, { 2, '', '' } when the operation id was already applied (a
  retry whose first reply was lost; nothing written), or the error
  TRIGGERS_LOCK_LOST when the token lost the lock, or a Lua error when a
  stored record it replaces is no record (nothing written either way).
]]
--- @include "refreshTtl"
--- @include "putRecord"
--- @include "operationOf"
--- @include "appliedOutcome"
--- @include "recordOutcome"
--- @include "recordStatus"
--- @include "uidPart"

local op = operationOf(KEYS, ARGV, #ARGV - 4)
if appliedOutcome(op) then return { 2, '', '' } end

if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return redis.error_reply('TRIGGERS_LOCK_LOST the session lock is no longer held by this operation')
end
local prefix = ARGV[3]
-- The status of every record replaced, read before anything is written (putRecord needs it).
local olds = {}
local nInstances = tonumber(ARGV[7])
local r = #ARGV - 5 - 4 * nInstances
for k = 1, nInstances do
  local stored = redis.call('HGET', KEYS[5], ARGV[r])
  if stored then
    local ok, status = pcall(recordStatus, stored)
    if not ok then
      error('the stored record of ' .. ARGV[r] .. ' is no record')
    end
    olds[k] = status
  else
    olds[k] = false
  end
  r = r + 4
end
recordOutcome(op, ARGV[#ARGV - 5])
local i = 9
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
  redis.call('SET', string.sub(KEYS[1], 1, -5) .. UID_PART, ARGV[8])
end
for _ = 1, tonumber(ARGV[5]) do
  redis.call('HSET', KEYS[6], ARGV[i], ARGV[i + 1])
  i = i + 2
end
for _ = 1, tonumber(ARGV[6]) do
  redis.call('HSET', KEYS[7], ARGV[i], ARGV[i + 1])
  i = i + 2
end
for k = 1, nInstances do
  putRecord(KEYS, ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], olds[k], prefix)
  i = i + 4
end
refreshTtl(KEYS, tonumber(ARGV[2]), prefix)
return { redis.call('EXISTS', KEYS[2]), previousVersion, version }
