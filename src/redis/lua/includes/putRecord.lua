--[[
  putRecord(K, name, task, json, flag, prefix): writes one instance record
  and keeps the indexes in step, as every write does (K as for refreshTtl).
  flag is u (unstarted: in its task's set prefix .. task), s (scheduled),
  n (running), f (failed) or r (resolved: out of the unresolved set).

  The directory indexes (see indexKeys) are updated in the same step: the
  instance's member (indexMember) is in at most one of the scheduled,
  running and failed sorted sets, scored by the server time of the write,
  and the session's tag is scored by it in the sessions set.
]]
--- @include "indexKeys"
local function putRecord(K, name, task, json, flag, prefix)
  redis.call('HSET', K[5], name, json)
  if flag == 'u' then redis.call('SADD', prefix .. task, name) else redis.call('SREM', prefix .. task, name) end
  if flag == 'r' then redis.call('SREM', K[8], name) else redis.call('SADD', K[8], name) end
  local idx = indexKeys(K)
  local member = idx.tag .. ':' .. name
  for f, key in pairs(idx.status) do
    if f == flag then redis.call('ZADD', key, idx.now, member) else redis.call('ZREM', key, member) end
  end
  if not idx.touched then
    idx.touched = true
    redis.call('ZADD', idx.sessions, idx.now, idx.tag)
  end
end
