--[[
  recordStatus(rec): the status (a plain word, no quotes) of an instance
  record text: read in place where the record has the shape the storage
  writes (recordHead), decoded otherwise. Raises a Lua error on text that
  is no record.
]]
--- @include "stringLocals"
--- @include "recordHead"
local function recordStatus(rec)
  local _, _, from, to = recordHead(rec)
  if from and strbyte(rec, from) == 34 then return strsub(rec, from + 1, to - 2) end
  local status = cjson.decode(rec)['status']
  if type(status) ~= 'string' then error('no status') end
  return status
end
