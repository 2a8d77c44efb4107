--[[
  claimOperation(K, id, outcome, windowMs): in one command, remembers that
  operation `id` is applied by this script, with its outcome text, for
  windowMs milliseconds, and returns false; or, when `id` was already
  applied, records nothing and returns the outcome first recorded (see
  appliedOutcome; '' is no id: nothing recorded, false). A script that
  claimed an id and then applies nothing calls forgetOperation.
]]
local function claimOperation(K, id, outcome, windowMs)
  if id == '' then return false end
  local key = string.sub(K[1], 1, -5) .. 'o:' .. id
  if redis.call('SET', key, outcome, 'NX', 'PX', windowMs) then return false end
  return redis.call('GET', key)
end
