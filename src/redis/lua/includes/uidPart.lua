--[[
  UID_PART: the part after a session's key base (<base> = the lock key
  without its 'lock') of the key holding the session's uid as JSON text
  (RedisSessionKeys.UID_PART and uidKey; the TTL and deleteSession specs
  keep the two equal).
]]
local UID_PART = 'uid'
