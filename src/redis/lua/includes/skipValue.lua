--[[
  skipValue(s, i): the index just past the JSON value (string, object,
  array or scalar) starting at i. Raises a Lua error on another shape.
]]
--- @include "stringLocals"
--- @include "skipString"
local function skipValue(s, i)
  local c = strbyte(s, i)
  if c == 34 then return skipString(s, i) end
  if c == 123 or c == 91 then
    local depth, j = 0, i
    while true do
      local k = strfind(s, '["{}%[%]]', j)
      if not k then error('unterminated value') end
      local d = strbyte(s, k)
      if d == 34 then
        j = skipString(s, k)
      else
        if d == 123 or d == 91 then depth = depth + 1 else depth = depth - 1 end
        j = k + 1
        if depth == 0 then return j end
      end
    end
  end
  local k = strfind(s, '[,}%]]', i)
  if not k or k == i then error('bad scalar') end
  return k
end
