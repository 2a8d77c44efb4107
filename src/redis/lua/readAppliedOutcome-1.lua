--[[
  The outcome recorded when an operation was applied to the session, while
  its window lasts (see includes/operationOf.lua).

  KEYS[1] lock (the session's key base is derived from it)

  ARGV[1..5] the operation id and where it is remembered (operationOf)

  Returns the outcome text, or nil when the id was not applied (or its
  window ended).
]]
--- @include "operationOf"
--- @include "appliedOutcome"
return appliedOutcome(operationOf(KEYS, ARGV, 1))
