--[[
  appliedOutcome(K, id): the outcome text recorded when operation `id`
  was applied to this session, or false (never, or its window ended; ''
  is no id). Each applied operation is one key, <base>o:<id> (the lock
  key K[1] is <base>lock, so it shares the session's hash tag), expiring
  when its window ends: Redis forgets it, no script trims anything.
]]
local function appliedOutcome(K, id)
  if id == '' then return false end
  return redis.call('GET', string.sub(K[1], 1, -5) .. 'o:' .. id)
end
