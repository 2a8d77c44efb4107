--[[
  base64urlDigit(k): the byte of base64url digit k (0-63): A-Z, a-z, 0-9,
  '-', '_' (see sessionTag).
]]
local function base64urlDigit(k)
  if k < 26 then return 65 + k elseif k < 52 then return 71 + k elseif k < 62 then return k - 4 elseif k == 62 then return 45 end
  return 95
end
