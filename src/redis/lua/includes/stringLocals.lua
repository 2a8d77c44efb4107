--[[
  Locals shared by the JSON-text functions: BS, a backslash (which the
  scripts never write literally), and short names for the string functions
  their loops call.
]]
local BS = string.char(92)
local strbyte, strfind, strsub = string.byte, string.find, string.sub
