--[[
  Deletes every record key of the session, its uid key, every per-task
  unstarted set and the hashes of its applied operation ids, and takes the session and its instances out of the directory
  indexes and counts (indexKeys, putRecord: one `<status>>:<task>` field
  per status and task of its instances), fenced like a write.

  KEYS[1] lock
  KEYS[2] tasks
  KEYS[3] tt
  KEYS[4] inst
  KEYS[5] latest
  KEYS[6] counts
  KEYS[7] unresolved
  KEYS[8] tv

  ARGV[1] token
  ARGV[2] unstarted prefix
  ARGV[3..] the hashes of applied operation ids to delete too (see
    includes/operationOf.lua; RedisConnection.operationBucketsNow)

  Returns the number of keys deleted, or the error TRIGGERS_LOCK_LOST when
  the token lost the lock.
]]
--- @include "indexKeys"
--- @include "recordStatus"
--- @include "uidPart"

if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return redis.error_reply('TRIGGERS_LOCK_LOST the session lock is no longer held by this operation')
end
local idx = indexKeys(KEYS)
for _, name in ipairs(redis.call('SMEMBERS', KEYS[7])) do
  local member = idx.tag .. ':' .. name
  redis.call('ZREM', idx.unresolved, member)
  redis.call('ZREM', idx.failed, member)
end
local gone, fields = {}, {}
local flat = redis.call('HGETALL', KEYS[4])
for i = 1, #flat, 2 do
  local task = string.match(flat[i], '^(.*)#%d+$')
  local ok, status = pcall(recordStatus, flat[i + 1])
  if task and ok then
    local field = status .. '>:' .. task
    if not gone[field] then fields[#fields + 1] = field end
    gone[field] = (gone[field] or 0) + 1
  end
end
for _, field in ipairs(fields) do redis.call('HINCRBY', idx.counts, field, gone[field]) end
redis.call('ZREM', idx.sessions, idx.tag)
for _, task in ipairs(redis.call('HKEYS', KEYS[3])) do redis.call('DEL', ARGV[2] .. task) end
for _, task in ipairs(redis.call('HKEYS', KEYS[6])) do redis.call('DEL', ARGV[2] .. task) end
local operations = 0
for a = 3, #ARGV do operations = operations + redis.call('DEL', ARGV[a]) end
return operations + redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8], string.sub(KEYS[1], 1, -5) .. UID_PART)
