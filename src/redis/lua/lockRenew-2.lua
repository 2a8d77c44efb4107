--[[
  Extends the session lock if the token owns it.

  KEYS[1] lock
  KEYS[2] next

  ARGV[1] token
  ARGV[2] lock TTL, ms

  Returns { owned (0/1), someone waiting (0/1) }.
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return { 1, redis.call('EXISTS', KEYS[2]) }
end
return { 0, redis.call('EXISTS', KEYS[2]) }
