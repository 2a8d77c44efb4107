--[[
  Removes an instance's entry from a directory index (unresolved or
  failed) when the instance has no record any more (its session expired
  by TTL, or the record was removed outside the storage), checked in the
  same atomic step: an instance written again meanwhile keeps its entry.

  KEYS[1] the directory index of the session's shard
  KEYS[2] inst (the session's records)

  ARGV[1] the entry's member (<tag>:<instance>)
  ARGV[2] the instance name

  Returns 1 when the entry was removed, 0 when the record exists (or there
  was no entry).
]]
if redis.call('HEXISTS', KEYS[2], ARGV[2]) == 1 then return 0 end
return redis.call('ZREM', KEYS[1], ARGV[1])
