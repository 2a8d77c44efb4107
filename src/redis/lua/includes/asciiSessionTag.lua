--[[
  asciiSessionTag(uidJson, last): sessionTag of a uid JSON text (its
  closing quote at last) whose characters are all ASCII and unescaped:
  three characters (six UTF-16LE bytes, each character then 0) at a time.
]]
--- @include "stringLocals"
--- @include "base64urlDigit"
local function asciiSessionTag(uidJson, last)
  local out, i = {}, 2
  while i + 2 < last do
    local a, b, c = strbyte(uidJson, i, i + 2)
    -- Bytes a 0 b | 0 c 0.
    out[#out + 1] = string.char(base64urlDigit((a - a % 4) / 4), base64urlDigit(a % 4 * 16), base64urlDigit((b - b % 64) / 64), base64urlDigit(b % 64),
      0x41, base64urlDigit((c - c % 16) / 16), base64urlDigit(c % 16 * 4), 0x41)
    i = i + 3
  end
  local left = last - i
  if left == 1 then
    local a = strbyte(uidJson, i)
    out[#out + 1] = string.char(base64urlDigit((a - a % 4) / 4), base64urlDigit(a % 4 * 16), 0x41)
  elseif left == 2 then
    local a, b = strbyte(uidJson, i, i + 1)
    out[#out + 1] = string.char(base64urlDigit((a - a % 4) / 4), base64urlDigit(a % 4 * 16), base64urlDigit((b - b % 64) / 64), base64urlDigit(b % 64), 0x41, 0x41)
  end
  return table.concat(out)
end
