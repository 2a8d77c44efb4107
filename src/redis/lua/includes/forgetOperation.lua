--[[
  forgetOperation(K, id): undoes claimOperation(K, id, ...) in a script
  that claimed an id and then applies nothing ('' is no id).
]]
local function forgetOperation(K, id)
  if id ~= '' then redis.call('DEL', string.sub(K[1], 1, -5) .. 'o:' .. id) end
end
