--[[
  appliedOutcome(K, id, windowMs): the outcome text recorded when operation
  `id` was applied to this session (recordOutcome), or false: never, or
  its window ended ('' is no id). Two HGETs at most (see operationBuckets).
]]
--- @include "operationBuckets"
local function appliedOutcome(K, id, windowMs)
  if id == '' then return false end
  local buckets = operationBuckets(K, windowMs)
  return redis.call('HGET', buckets.current, id) or redis.call('HGET', buckets.previous, id)
end
