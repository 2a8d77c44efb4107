--[[
  putRecord(K, name, task, json, status, old, prefix): writes one instance
  record and keeps the indexes in step, as every write does (K as for
  refreshTtl). status is the record's status; old the status of the record
  it replaces (false: a new instance), which the caller read from the
  stored text or checked against it.

  Only a status change touches an index, and only the indexes whose class
  changes: the task's unstarted set (prefix .. task), the session's
  unresolved set (K[8]), and the directory (see indexKeys): a scheduled or
  running instance's member is in the unresolved sorted set, scored by the
  server time it entered its status, except that a start (scheduled ->
  running) leaves the score of its scheduling (the listing reads the
  start's time from the record); a failed one's is in the failed set,
  scored by the server time it failed. The session's
  tag is scored in the sessions set by the time of the script's first
  creation of an instance or move of one into a final status (failed
  included); a script that only schedules or starts leaves it. The
  per-prefix counts hash counts status changes per task, one HINCRBY
  each: field `<old>><status>:<task>` (old '' for a new instance, status
  '' for a deleted one, see deleteSession); a task's count in a status is
  what entered it minus what left it.
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
    local fromKey, toKey = from and idx.status[from], idx.status[to]
    if fromKey and fromKey ~= toKey then redis.call('ZREM', fromKey, idx.tag .. ':' .. name) end
    if toKey and not (from == 's' and to == 'n') then redis.call('ZADD', toKey, indexNow(idx), idx.tag .. ':' .. name) end
  end
  if not idx.touched and (not from or to == 'r' or to == 'f') then
    idx.touched = true
    redis.call('ZADD', idx.sessions, indexNow(idx), idx.tag)
  end
  redis.call('HINCRBY', idx.counts, (old or '') .. '>' .. status .. ':' .. task, '1')
end
