--[[
  putRecord(K, name, task, json, flag, prefix): writes one instance record
  and keeps the indexes in step, as every write does (K as for refreshTtl).
  flag is u (unstarted: in its task's set prefix .. task), o (another
  unresolved status) or r (resolved: out of the unresolved set).
]]
local function putRecord(K, name, task, json, flag, prefix)
  redis.call('HSET', K[5], name, json)
  if flag == 'u' then redis.call('SADD', prefix .. task, name) else redis.call('SREM', prefix .. task, name) end
  if flag == 'r' then redis.call('SREM', K[8], name) else redis.call('SADD', K[8], name) end
end
