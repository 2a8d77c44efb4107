--[[
  recordOutcome(K, id, outcome, windowMs): remembers that operation `id`
  was applied, with its outcome text, for windowMs milliseconds (see
  appliedOutcome; '' is no id and records nothing).
]]
local function recordOutcome(K, id, outcome, windowMs)
  if id ~= '' then redis.call('SET', string.sub(K[1], 1, -5) .. 'o:' .. id, outcome, 'PX', windowMs) end
end
