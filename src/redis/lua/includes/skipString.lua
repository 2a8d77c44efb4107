--[[
  skipString(s, i): the index just past the JSON string starting at i.

  Records are read and edited as JSON text, never decoded: they are written
  by JSON.stringify (no whitespace, canonical escapes), and cjson would
  re-encode user values (numbers rounded to 14 digits, [] turned into {},
  key order lost). Raises a Lua error on text of another shape, like every
  JSON-text function: callers run them under pcall before writing anything.
]]
--- @include "stringLocals"
local function skipString(s, i)
  if strbyte(s, i) ~= 34 then error('not a string') end
  local j = i + 1
  while true do
    local k = strfind(s, '"', j, true)
    if not k then error('unterminated string') end
    -- Escaped when an odd number of backslashes precede it (the opening quote stops the walk).
    local b = k - 1
    while strbyte(s, b) == 92 do b = b - 1 end
    if (k - 1 - b) % 2 == 0 then return k + 1 end
    j = k + 1
  end
end
