--[[
  splice(s, edits): s with non-overlapping { from, to (exclusive), text }
  replacements applied (an insertion has from == to), in any order. byStart
  is its sort order, defined once rather than per call.
]]
--- @include "stringLocals"
local function byStart(a, b) return a[1] < b[1] end
local function splice(s, edits)
  if #edits > 1 then table.sort(edits, byStart) end
  local parts, pos = {}, 1
  for _, e in ipairs(edits) do
    parts[#parts + 1] = strsub(s, pos, e[1] - 1)
    parts[#parts + 1] = e[3]
    pos = e[2]
  end
  parts[#parts + 1] = strsub(s, pos)
  return table.concat(parts)
end
