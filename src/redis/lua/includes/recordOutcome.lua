--[[
  recordOutcome(K, id, outcome, windowMs): remembers that operation `id`
  is applied by this script, with its outcome text, for its window (see
  operationBuckets; '' is no id and records nothing). A script looks the
  id up first (appliedOutcome) and records it once, with its final
  outcome, before its first write: a script that declines writes nothing,
  not even the id. One HSET, and a PEXPIREAT when it creates the bucket
  hash (the field '' is set with every record, so it is new only then).
]]
--- @include "operationBuckets"
local function recordOutcome(K, id, outcome, windowMs)
  if id == '' then return end
  local buckets = operationBuckets(K, windowMs)
  if redis.call('HSET', buckets.record, id, outcome, '', '') == 2 then
    redis.call('PEXPIREAT', buckets.record, buckets.expiresAt)
  end
end
