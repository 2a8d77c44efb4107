--[[
  indexKeys(K): the directory index keys of the session whose lock key is
  K[1] (`<prefix>:{<tag>}:lock`), computed once per script run:
  { tag, unresolved, failed (sorted-set keys), status = { s, n = the
  unresolved key, f = the failed key: the sorted set of each directory
  status }, sessions, counts } (see indexNow for the scores' time).
  Members are `<tag>:<instance>` (the tag has no ':'); sessions members
  are tags; counts fields are `<from>><to>:<task>` (see putRecord). The key
  names are made here only (and in RedisSessionKeys.indexKey on the
  TypeScript side): sharding the index for a cluster changes these names,
  not the members.
]]
local indexCache
local function indexKeys(K)
  if indexCache then return indexCache end
  local open = string.find(K[1], ':{', 1, true)
  local close = string.find(K[1], '}:', open + 2, true)
  local head = string.sub(K[1], 1, open) .. 'idx:'
  local unresolved, failed = head .. 'unresolved', head .. 'failed'
  indexCache = {
    tag = string.sub(K[1], open + 2, close - 1),
    unresolved = unresolved,
    failed = failed,
    status = { s = unresolved, n = unresolved, f = failed },
    sessions = head .. 'sessions',
    counts = head .. 'counts',
  }
  return indexCache
end
