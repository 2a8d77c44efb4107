--[[
  refreshTtl(K, ttlSeconds, prefix): with a session TTL set (ttlSeconds >
  0), pushes back the expiry of every record key (K[3..9]), of the uid key
  (<base>uid, RedisSessionKeys.uidKey) and of every per-task unstarted set
  (prefix .. task), as every write does. K holds the
  session's keys in the session scripts' KEYS order
  (RedisSessionKeys.SCRIPT_PARTS): a script that received them passes KEYS.
]]
--- @include "uidPart"
local function refreshTtl(K, ttl, prefix)
  if ttl > 0 then
    for k = 3, 9 do redis.call('EXPIRE', K[k], ttl) end
    redis.call('EXPIRE', string.sub(K[1], 1, -5) .. UID_PART, ttl)
    for _, task in ipairs(redis.call('HKEYS', K[4])) do redis.call('EXPIRE', prefix .. task, ttl) end
  end
end
