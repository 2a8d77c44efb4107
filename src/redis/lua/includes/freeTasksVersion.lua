--[[
  freeTasksVersion(lockKey, nextKey, versionKey): the session's tasks
  version ('' when none) when its lock is free and no waiter is marked,
  false otherwise: the three read in one MGET (all three are plain
  strings, written with SET only), which every lock-free script checks
  before it acts (startOnFetch reads the same three, and the session's
  uid, in an MGET of its own).
]]
local function freeTasksVersion(lockKey, nextKey, versionKey)
  local gate = redis.call('MGET', lockKey, nextKey, versionKey)
  if gate[1] or gate[2] then return false end
  return gate[3] or ''
end
