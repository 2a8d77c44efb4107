--[[
  A worker's heartbeat: records the server time and the jobs it holds.

  KEYS[1] the prefix's workers hash (<prefix>:workers)

  ARGV[1] worker id
  ARGV[2] JSON array of the ids of the jobs the worker is running

  Returns the server time written, ms.
]]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('HSET', KEYS[1], ARGV[1], now .. ':' .. ARGV[2])
return now
