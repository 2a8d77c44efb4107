--[[
  Removes a session's entry from its shard's sessions index when the
  session has no keys left (they expired by TTL, or were removed outside
  the storage), checked in the same atomic step: a session written again
  meanwhile keeps its entry. Run by the directory's listing of sessions
  for each entry it is about to list, and by the reconciliation's sweep.

  KEYS[1] the sessions index of the session's shard
  KEYS[2] tasks
  KEYS[3] inst
  KEYS[4] latest

  ARGV[1] the session's member (its tag)

  Returns 1 when the entry was removed, 0 when the session still exists
  (or had no entry).
]]
if redis.call('EXISTS', KEYS[2], KEYS[3], KEYS[4]) > 0 then return 0 end
return redis.call('ZREM', KEYS[1], ARGV[1])
