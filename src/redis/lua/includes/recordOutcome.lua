--[[
  recordOutcome(op, outcome): remembers that operation op.id (operationOf)
  is applied by this script, with its outcome text, for its window (no id:
  nothing). A script looks the id up first (appliedOutcome) and records it
  once, with its final outcome, before its first write: a script that
  declines writes nothing, not even the id. One HSET, and a PEXPIRE when it
  created the bucket hash (the field '' is set with every record, so it is
  new only then).
]]
--- @include "operationOf"
local function recordOutcome(op, outcome)
  if op.id == '' then return end
  if redis.call('HSET', op.record, op.id, outcome, '', '') == 2 then
    redis.call('PEXPIRE', op.record, op.ttl or string.format('%d', 4 * (tonumber(op.window) + 2 * OPERATION_SKEW_MS)))
  end
end
