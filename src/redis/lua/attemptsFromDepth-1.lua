--[[
  Counts an instance's replay ancestors as attempts already made on its job
  (attemptsMade = depth while it waits, depth + 1 once BullMQ finished it):
  added to the counter rather than set, so it is right whichever comes
  first, and skipped when the job is already gone.

  KEYS[1] the job's hash

  ARGV[1] the depth

  Returns 1 when counted, 0 when the job is gone.
]]
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HINCRBY', KEYS[1], 'atm', ARGV[1])
return 1
