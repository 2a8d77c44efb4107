--[[
  The outcome recorded when an operation was applied to the session, while
  its window lasts (see includes/operationHashes.lua).

  KEYS[1] lock (the session's key base is derived from it)

  ARGV[1] operation id
  ARGV[2] its window, ms

  Returns the outcome text, or nil when the id was not applied (or its
  window ended).
]]
--- @include "appliedOutcome"
return appliedOutcome(KEYS, ARGV[1], ARGV[2])
