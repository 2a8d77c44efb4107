--[[
  recordHead(rec): where the task and status values of an instance record
  text are, when it starts as JSON.stringify(toRecord()) writes it (name,
  task, status first): task start, task end (exclusive), status start,
  status end (exclusive); nil for another shape.
]]
--- @include "stringLocals"
--- @include "skipString"
local function recordHead(rec)
  if strsub(rec, 1, 8) ~= '{"name":' then return nil end
  local p = skipString(rec, 9)
  if strsub(rec, p, p + 7) ~= ',"task":' then return nil end
  local taskEnd = skipString(rec, p + 8)
  if strsub(rec, taskEnd, taskEnd + 9) ~= ',"status":' then return nil end
  return p + 8, taskEnd, taskEnd + 10, skipString(rec, taskEnd + 10)
end
