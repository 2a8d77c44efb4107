--[[
  operationBuckets(K, windowMs): where this script reads and records the
  session's applied operation ids of window windowMs (K as for refreshTtl),
  computed once per script run from the server time (indexNow):
  { current, previous, record, expiresAt, live } (live: every bucket
  hash of that window that may still exist, for deleteSession).

  Ids are remembered per session in one hash per time bucket,
  <base>o:<windowMs>:<n> (the lock key K[1] is <base>lock, so they share
  the session's hash tag), field id -> outcome text, and the field ''
  (no operation's id) in every bucket hash. Buckets span windowMs +
  OPERATION_SKEW_MS: an id is recorded in bucket n = floor(now / span)
  and looked up in buckets m = floor((now + OPERATION_SKEW_MS) / span) and
  m - 1, so it is found for at least windowMs after it was recorded (and
  at most two spans), also when the server clock steps back by up to
  OPERATION_SKEW_MS (a failover to a server whose clock is behind). A
  bucket hash expires (PEXPIREAT, set when it is created) once no lookup
  can name it: Redis forgets the ids, no script trims anything.
]]
--- @include "indexKeys"
--- @include "indexNow"
local OPERATION_SKEW_MS = 1000
local operationBucketCache = {}
local function operationBuckets(K, windowMs)
  local buckets = operationBucketCache[windowMs]
  if not buckets then
    local span = tonumber(windowMs) + OPERATION_SKEW_MS
    local now = tonumber(indexNow(indexKeys(K)))
    local head = string.sub(K[1], 1, -5) .. 'o:' .. windowMs .. ':'
    local lookup = math.floor((now + OPERATION_SKEW_MS) / span)
    local record = math.floor(now / span)
    buckets = {
      current = head .. string.format('%d', lookup),
      previous = head .. string.format('%d', lookup - 1),
      record = head .. string.format('%d', record),
      expiresAt = string.format('%d', (record + 2) * span),
      -- Every bucket hash that may still exist (expiry is at (n + 2) * span).
      live = { head .. string.format('%d', record - 1), head .. string.format('%d', record), head .. string.format('%d', record + 1) },
    }
    operationBucketCache[windowMs] = buckets
  end
  return buckets
end
