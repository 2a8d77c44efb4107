--[[
  indexNow(idx): the server time (ms, as the decimal text Redis parses, so
  no command converts a Lua number) that scores this script's directory
  writes (idx from indexKeys), asked of Redis once per script and only
  when a score is written.
]]
local function indexNow(idx)
  if not idx.now then
    local time = redis.call('TIME')
    -- The milliseconds are the first three of the six microsecond digits.
    idx.now = time[1] .. string.sub('00000' .. time[2], -6, -4)
  end
  return idx.now
end
