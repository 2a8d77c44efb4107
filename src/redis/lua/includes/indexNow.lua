--[[
  indexNow(idx): the server time (ms, as the decimal text Redis parses, so
  no command converts a Lua number) that scores this script's directory
  writes (idx from indexKeys), asked of Redis once per script and only
  when a score is written.
]]
local function indexNow(idx)
  if not idx.now then
    local time = redis.call('TIME')
    local ms = string.sub('00' .. math.floor(tonumber(time[2]) / 1000), -3)
    idx.now = time[1] .. ms
  end
  return idx.now
end
