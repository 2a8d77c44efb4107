--[[
  members(s, i): the JSON object starting at i as a table raw key text ->
  { value start, value end (exclusive) }, and the index of its closing
  brace. Raises a Lua error on another shape.
]]
--- @include "stringLocals"
--- @include "skipString"
--- @include "skipValue"
local function members(s, i)
  if strbyte(s, i) ~= 123 then error('not an object') end
  local out, j = {}, i + 1
  if strbyte(s, j) == 125 then return out, j end
  while true do
    local ke = skipString(s, j)
    if strbyte(s, ke) ~= 58 then error('no colon') end
    local ve = skipValue(s, ke + 1)
    out[strsub(s, j, ke - 1)] = { ke + 1, ve }
    local c = strbyte(s, ve)
    if c == 125 then return out, ve end
    if c ~= 44 then error('bad separator') end
    j = ve + 1
  end
end
