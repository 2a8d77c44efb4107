--[[
  freeTasksVersion(lockKey, nextKey, versionKey[, uidKey]): the session's
  tasks version ('' when none) when its lock is free and no waiter is
  marked, false otherwise, and with uidKey the session's kept uid (or nil):
  read in one MGET (all are plain strings, written with SET only), which
  every lock-free script checks before it acts.
]]
local function freeTasksVersion(lockKey, nextKey, versionKey, uidKey)
  local gate = uidKey and redis.call('MGET', lockKey, nextKey, versionKey, uidKey) or redis.call('MGET', lockKey, nextKey, versionKey)
  if gate[1] or gate[2] then return false end
  return gate[3] or '', gate[4]
end
