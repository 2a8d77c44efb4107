--[[
  items(s, i): the JSON array starting at i as a set of raw item texts, and
  the index of its closing bracket. Raises a Lua error on another shape.
]]
--- @include "stringLocals"
--- @include "skipValue"
local function items(s, i)
  if strbyte(s, i) ~= 91 then error('not an array') end
  local out, j = {}, i + 1
  if strbyte(s, j) == 93 then return out, j end
  while true do
    local ve = skipValue(s, j)
    out[strsub(s, j, ve - 1)] = true
    local c = strbyte(s, ve)
    if c == 93 then return out, ve end
    if c ~= 44 then error('bad separator') end
    j = ve + 1
  end
end
