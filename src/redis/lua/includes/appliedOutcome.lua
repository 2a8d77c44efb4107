--[[
  appliedOutcome(K, id, windowMs): the outcome text recorded when operation
  `id` was applied to this session (recordOutcome), or false: never, or
  its window ended ('' is no id). See operationHashes.
]]
--- @include "operationHashes"
--- @include "indexKeys"
--- @include "indexNow"
local function appliedOutcome(K, id, windowMs)
  if id == '' then return false end
  local hashes = operationHashes(K, windowMs)
  local got = redis.call('HMGET', hashes.cur, id, '')
  hashes.since, hashes.prevUntil = false, 0
  if got[2] then
    local since, prevUntil = string.match(got[2], '^(%d+) (%d+)$')
    hashes.since, hashes.prevUntil = tonumber(since), tonumber(prevUntil)
  end
  if got[1] then return got[1] end
  if hashes.prevUntil > 0 and tonumber(indexNow(indexKeys(K))) < hashes.prevUntil then
    return redis.call('HGET', hashes.prev, id) or false
  end
  return false
end
