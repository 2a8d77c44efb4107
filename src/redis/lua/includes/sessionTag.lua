--[[
  sessionTag(uidJson): the hash tag of the session whose uid has the JSON
  text uidJson (as JSON.stringify writes it): base64url, unpadded, of the
  uid's UTF-16LE code units, as RedisSessionKeys.tagOf computes it. nil
  for a text with an escape (a backslash) or bytes that are not UTF-8 as
  JavaScript writes it (no overlong forms, no surrogates): the caller then
  leaves the job to the worker, which computes the tag itself.
]]
--- @include "stringLocals"
--- @include "asciiSessionTag"
--- @include "base64urlDigit"
local function sessionTag(uidJson)
  local last = #uidJson
  if last < 2 or strbyte(uidJson, 1) ~= 34 or strbyte(uidJson, last) ~= 34 or strfind(uidJson, BS, 1, true) then return nil end
  if not strfind(uidJson, '[\128-\255]') then return asciiSessionTag(uidJson, last) end
  -- The UTF-16LE bytes of the uid's code units.
  local bytes = {}
  local i = 2
  while i < last do
    local c = strbyte(uidJson, i)
    -- The sequence's length and the smallest code point it may encode (no overlong forms).
    local cp, length, least
    if c < 0x80 then
      cp, length, least = c, 1, 0
    elseif c >= 0xC2 and c < 0xE0 then
      cp, length, least = c - 0xC0, 2, 0x80
    elseif c >= 0xE0 and c < 0xF0 then
      cp, length, least = c - 0xE0, 3, 0x800
    elseif c >= 0xF0 and c < 0xF5 then
      cp, length, least = c - 0xF0, 4, 0x10000
    else
      return nil
    end
    if i + length - 1 >= last then return nil end
    for k = 1, length - 1 do
      local d = strbyte(uidJson, i + k)
      if d < 0x80 or d > 0xBF then return nil end
      cp = cp * 64 + d - 0x80
    end
    if cp < least or cp > 0x10FFFF or (cp >= 0xD800 and cp <= 0xDFFF) then return nil end
    local units = cp < 0x10000 and { cp } or { 0xD800 + (cp - 0x10000 - (cp - 0x10000) % 1024) / 1024, 0xDC00 + (cp - 0x10000) % 1024 }
    for _, u in ipairs(units) do
      bytes[#bytes + 1] = u % 256
      bytes[#bytes + 1] = (u - u % 256) / 256
    end
    i = i + length
  end
  local out = {}
  for j = 1, #bytes, 3 do
    local a, b, c = bytes[j], bytes[j + 1], bytes[j + 2]
    local v = a * 65536 + (b or 0) * 256 + (c or 0)
    local s1, s2, s3, s4 = (v - v % 262144) / 262144, (v % 262144 - v % 4096) / 4096, (v % 4096 - v % 64) / 64, v % 64
    out[#out + 1] = string.char(base64urlDigit(s1), base64urlDigit(s2))
    if b then out[#out + 1] = string.char(base64urlDigit(s3)) end
    if c then out[#out + 1] = string.char(base64urlDigit(s4)) end
  end
  return table.concat(out)
end
