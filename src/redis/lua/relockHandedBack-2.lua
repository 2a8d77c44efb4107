--[[
  Sets a handed-back job's BullMQ lock to a new token, only if no lock is
  set and the job is still in the active list (TriggerWorker completes the
  job under that token once its outcome is recorded).

  KEYS[1] the job's lock key
  KEYS[2] the queue's active list

  ARGV[1] job id
  ARGV[2] token
  ARGV[3] lock duration, ms

  Returns 1 when set, else 0.
]]
if redis.call('EXISTS', KEYS[1]) == 1 or not redis.call('LPOS', KEYS[2], ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
