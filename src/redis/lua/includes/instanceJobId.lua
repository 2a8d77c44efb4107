--[[
  instanceJobId(idHead, nameJson): the BullMQ job id of an instance, as
  BullMQTaskRunner.jobIdFor computes it: 'i-' and the SHA-1 of the JSON
  array [prefix, uid, instance], given its head idHead ('[<prefix JSON>,<uid
  JSON>,') and the instance name's JSON text.
]]
local function instanceJobId(idHead, nameJson)
  return 'i-' .. redis.sha1hex(idHead .. nameJson .. ']')
end
