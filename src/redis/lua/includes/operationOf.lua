--[[
  operationOf(K, A, p): the operation id arguments A[p..p+4] of this script
  (K as for refreshTtl): { id, window, record, current, previous }; see
  RedisConnection.operationArgs, which computes them.

  Applied ids are remembered per session in one hash per time bucket,
  <base>o:<window ms>:<n> (the lock key K[1] is <base>lock, so they share
  the session's hash tag), id -> outcome text, plus the field '' (no
  operation's id) set with every record: a bucket spans the window and two
  clock allowances (2 OPERATION_SKEW_MS), an id is recorded in the bucket
  of the time it is applied (`record`) and looked up in the two buckets
  around the time it is looked up (`current`, `previous`), so it is found
  for at least its window. An internal id is bucketed by the clock of the
  process that owns it (the only one that sends it), which names the keys;
  its first send names no lookup key (it cannot have been applied). An
  idempotency key (`record` '') is bucketed here, by the server's clock,
  the same for every process. A bucket hash expires four spans after it is
  created (PEXPIRE when the HSET creates it; the clocks of the processes
  naming it may disagree), two spans and the allowances for a key's (only
  the server's clock): Redis forgets the ids, no script trims anything.
]]
--- @include "indexKeys"
--- @include "indexNow"
local OPERATION_SKEW_MS = 1000
local function operationOf(K, A, p)
  local op = { id = A[p], window = A[p + 1], record = A[p + 2], current = A[p + 3], previous = A[p + 4] }
  if op.id ~= '' and op.record == '' then
    local span = tonumber(op.window) + 2 * OPERATION_SKEW_MS
    local now = tonumber(indexNow(indexKeys(K)))
    local head = string.sub(K[1], 1, -5) .. 'o:' .. op.window .. ':'
    local lookup = math.floor((now + OPERATION_SKEW_MS) / span)
    op.record = head .. string.format('%d', math.floor(now / span))
    op.current = head .. string.format('%d', lookup)
    op.previous = head .. string.format('%d', lookup - 1)
    -- One clock names and dates these buckets: two spans and the allowances are enough.
    op.ttl = string.format('%d', 2 * span + 2 * OPERATION_SKEW_MS)
  end
  return op
end
