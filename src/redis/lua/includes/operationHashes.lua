--[[
  operationHashes(K, windowMs): the two hashes that remember the session's
  applied operation ids of window windowMs (K as for refreshTtl), and what
  this script run read of the current one (appliedOutcome fills it in):
  { cur, prev, since, prevUntil }.

  Ids are remembered in generations: <base>o:<windowMs>:cur, then
  <base>o:<windowMs>:prev (the lock key K[1] is <base>lock, so they share
  the session's hash tag), each field id -> outcome text. The field ''
  (no operation's id) of the current hash holds '<since> <prevUntil>':
  the server time (ms) its generation started, and when the previous
  generation expires (0: there is none). A generation takes records for
  windowMs and expires windowMs later (PEXPIREAT when it starts): the
  first record after that renames it to prev and starts a new one. So an
  id is found for at least windowMs after it was recorded and at most
  2 windowMs, a lookup is one HMGET (two while a previous generation
  lives), and Redis forgets the ids: no script trims anything. A clock
  stepping back only keeps ids longer.
]]
local operationState = {}
local function operationHashes(K, windowMs)
  local hashes = operationState[windowMs]
  if not hashes then
    local head = string.sub(K[1], 1, -5) .. 'o:' .. windowMs
    hashes = { cur = head .. ':cur', prev = head .. ':prev' }
    operationState[windowMs] = hashes
  end
  return hashes
end
