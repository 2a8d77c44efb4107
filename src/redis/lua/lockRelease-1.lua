--[[
  Deletes the session lock only if the token owns it.

  KEYS[1] lock

  ARGV[1] token

  Returns 1 if deleted, else 0.
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
