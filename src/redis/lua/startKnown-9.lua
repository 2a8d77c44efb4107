--[[
  A worker's start when it knows the record text the instance was scheduled
  with (its job carried it) and computed the running record itself, with
  the configuration cached at a known version: applied only if the lock is
  free, no waiter is marked, the configuration is still that version and
  the stored text is still exactly the expected one. No parsing.

  KEYS[1] lock
  KEYS[2] next
  KEYS[3] tasks
  KEYS[4] tt
  KEYS[5] inst
  KEYS[6] latest
  KEYS[7] counts
  KEYS[8] unresolved
  KEYS[9] tv

  ARGV[1] instance name
  ARGV[2] TTL, seconds (0 = none)
  ARGV[3] unstarted prefix
  ARGV[4] expected record text
  ARGV[5] new record text
  ARGV[6] tasks version
  ARGV[7] task name
  ARGV[8..12] the operation id of this start ('' = none) and where it is
    remembered (see includes/operationOf.lua)

  Returns 1 when applied, 2 when this operation id was already applied (a
  retry whose first reply was lost; nothing written), 0 otherwise
  (nothing written).
]]
--- @include "operationOf"
--- @include "appliedOutcome"
--- @include "recordOutcome"
--- @include "recordStatus"
--- @include "freeTasksVersion"
local op = operationOf(KEYS, ARGV, 8)
-- Not applicable now: 2 when this id already applied it (its start changed the text, so a repeat lands here).
local function declined()
  if appliedOutcome(op) then return 2 end
  return 0
end
local version = freeTasksVersion(KEYS[1], KEYS[2], KEYS[9])
if not version or ARGV[6] == '' or version ~= ARGV[6] then return declined() end
if redis.call('HGET', KEYS[5], ARGV[1]) ~= ARGV[4] then return declined() end
local ok, old = pcall(recordStatus, ARGV[4])
if not ok then return 0 end
-- Checked here too, though a repeat fails the checks above (its first run changed the text).
if appliedOutcome(op) then return 2 end
recordOutcome(op, '1')

--- @include "refreshTtl"
--- @include "putRecord"

putRecord(KEYS, ARGV[1], ARGV[7], ARGV[5], 'running', old, ARGV[3])
refreshTtl(KEYS, tonumber(ARGV[2]), ARGV[3])
return 1
