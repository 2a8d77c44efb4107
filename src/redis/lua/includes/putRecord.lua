--[[
  putRecord(K, name, task, json, status, old, prefix): writes one instance
  record and keeps the indexes in step, as every write does (K as for
  refreshTtl). status is the record's status; old the status of the record
  it replaces (false: a new instance), which the caller read from the
  stored text or checked against it.

  Only a status change touches an index, and only the indexes whose class
  changes: the task's unstarted set (prefix .. task), the session's
  unresolved set (K[8]), and the directory (see indexKeys): the instance's
  member is in at most one of the scheduled, running and failed sorted
  sets, scored by the server time it entered that status; the session's
  tag is scored in the sessions set by the time of the script's first
  creation or status change. The per-prefix counts hash counts status
  changes per task, one HINCRBY each: field `<old>><status>:<task>` (old
  '' for a new instance, status '' for a deleted one, see deleteSession);
  a task's count in a status is what entered it minus what left it.
]]
--- @include "indexKeys"
--- @include "indexNow"
local INDEX_CLASS = { unstarted = 'u', scheduled = 's', running = 'n', failed = 'f' }
local function putRecord(K, name, task, json, status, old, prefix)
  redis.call('HSET', K[5], name, json)
  if status == old then return end
  local to = INDEX_CLASS[status] or 'r'
  local from = old and (INDEX_CLASS[old] or 'r')
  local idx = indexKeys(K)
  if to ~= from then
    if from == 'u' then redis.call('SREM', prefix .. task, name) elseif to == 'u' then redis.call('SADD', prefix .. task, name) end
    if to == 'r' then
      if from then redis.call('SREM', K[8], name) end
    elseif not from or from == 'r' then
      redis.call('SADD', K[8], name)
    end
    local member = idx.tag .. ':' .. name
    local fromKey, toKey = from and idx.status[from], idx.status[to]
    if fromKey then redis.call('ZREM', fromKey, member) end
    if toKey then redis.call('ZADD', toKey, indexNow(idx), member) end
  end
  if not idx.touched then
    idx.touched = true
    redis.call('ZADD', idx.sessions, indexNow(idx), idx.tag)
  end
  redis.call('HINCRBY', idx.counts, (old or '') .. '>' .. status .. ':' .. task, '1')
end
