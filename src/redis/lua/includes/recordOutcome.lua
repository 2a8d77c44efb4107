--[[
  recordOutcome(K, id, outcome, windowMs): remembers that operation `id`
  is applied by this script, with its outcome text, for its window (see
  operationHashes; '' is no id and records nothing). A script looks the id
  up first (appliedOutcome) and records it once, with its final outcome,
  before its first write: a script that declines writes nothing, not even
  the id. One HSET; when a generation starts, also a RENAME of the one it
  ends (if any) and a PEXPIREAT.
]]
--- @include "appliedOutcome"
local function recordOutcome(K, id, outcome, windowMs)
  if id == '' then return end
  local hashes = operationHashes(K, windowMs)
  if hashes.since == nil then appliedOutcome(K, id, windowMs) end
  local now = tonumber(indexNow(indexKeys(K)))
  local window = tonumber(windowMs)
  if hashes.since and now < hashes.since + window then
    redis.call('HSET', hashes.cur, id, outcome)
    return
  end
  local prevUntil = 0
  if hashes.since then
    redis.call('RENAME', hashes.cur, hashes.prev)
    prevUntil = hashes.since + 2 * window
  end
  redis.call('HSET', hashes.cur, id, outcome, '', string.format('%d %d', now, prevUntil))
  redis.call('PEXPIREAT', hashes.cur, string.format('%d', now + 2 * window))
  hashes.since, hashes.prevUntil = now, prevUntil
end
