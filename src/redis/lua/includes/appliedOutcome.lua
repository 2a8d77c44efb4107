--[[
  appliedOutcome(op): the outcome text recorded when operation op.id
  (operationOf) was applied to this session (recordOutcome), or false:
  never, or its window ended, or nothing to look up (no id, or the first
  send of an internal id). Two HGETs at most.
]]
local function appliedOutcome(op)
  if op.id == '' or op.current == '' then return false end
  return redis.call('HGET', op.current, op.id) or redis.call('HGET', op.previous, op.id)
end
