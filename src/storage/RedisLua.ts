/**
 * Lua fragments shared by several {@link RedisScripts}: pasted at the top of
 * a script's text, so each script stays one self-contained `EVALSHA`.
 */
export const RedisLua = {
  /**
   * Reading and editing JSON *text* without decoding it. Records are written
   * by `JSON.stringify` (no whitespace, canonical escapes), and a script
   * that changed them through `cjson` would re-encode user values (numbers
   * rounded to 14 digits, `[]` turned into `{}`, key order lost). These
   * helpers locate members and splice new text in instead, so every byte a
   * script does not mean to change stays as the application wrote it.
   *
   * - `skipString(s, i)` / `skipValue(s, i)`: index just past the value at `i`.
   * - `members(s, i)`: the object at `i` as raw key text -> { value start,
   *   value end (exclusive) }, and the index of its closing brace.
   * - `items(s, i)`: the array at `i` as a set of raw item texts, and the
   *   index of its closing bracket.
   * - `splice(s, edits)`: applies non-overlapping { from, to (exclusive), text }
   *   replacements (an insertion has from == to).
   * Each raises a Lua error on text of another shape; callers run them
   * under `pcall` before writing anything.
   */
  jsonText: `
local BS = string.char(92)
local STRING_END = '["' .. BS .. ']'
local function skipString(s, i)
  if string.sub(s, i, i) ~= '"' then error('not a string') end
  local j = i + 1
  while true do
    local k = string.find(s, STRING_END, j)
    if not k then error('unterminated string') end
    if string.sub(s, k, k) == '"' then return k + 1 end
    j = k + 2
  end
end
local function skipValue(s, i)
  local c = string.sub(s, i, i)
  if c == '"' then return skipString(s, i) end
  if c == '{' or c == '[' then
    local depth, j = 0, i
    while true do
      local k = string.find(s, '["{}%[%]]', j)
      if not k then error('unterminated value') end
      local d = string.sub(s, k, k)
      if d == '"' then
        j = skipString(s, k)
      else
        if d == '{' or d == '[' then depth = depth + 1 else depth = depth - 1 end
        j = k + 1
        if depth == 0 then return j end
      end
    end
  end
  local k = string.find(s, '[,}%]]', i)
  if not k or k == i then error('bad scalar') end
  return k
end
local function members(s, i)
  if string.sub(s, i, i) ~= '{' then error('not an object') end
  local out, j = {}, i + 1
  if string.sub(s, j, j) == '}' then return out, j end
  while true do
    local ke = skipString(s, j)
    if string.sub(s, ke, ke) ~= ':' then error('no colon') end
    local ve = skipValue(s, ke + 1)
    out[string.sub(s, j, ke - 1)] = { ke + 1, ve }
    local c = string.sub(s, ve, ve)
    if c == '}' then return out, ve end
    if c ~= ',' then error('bad separator') end
    j = ve + 1
  end
end
local function items(s, i)
  if string.sub(s, i, i) ~= '[' then error('not an array') end
  local out, j = {}, i + 1
  if string.sub(s, j, j) == ']' then return out, j end
  while true do
    local ve = skipValue(s, j)
    out[string.sub(s, j, ve - 1)] = true
    local c = string.sub(s, ve, ve)
    if c == ']' then return out, ve end
    if c ~= ',' then error('bad separator') end
    j = ve + 1
  end
end
local function splice(s, edits)
  table.sort(edits, function(a, b) return a[1] > b[1] end)
  for _, e in ipairs(edits) do s = string.sub(s, 1, e[1] - 1) .. e[3] .. string.sub(s, e[2]) end
  return s
end
`,

  /**
   * `refreshTtl(K, ttlSeconds, prefix)`: with a session TTL set, pushes
   * back the expiry of every record key (K[3..9]) and of every per-task
   * unstarted set, as every write does. `K` holds the session's keys in
   * the scripts' `KEYS` order (`RedisSessionKeys.scriptKeys`): a script
   * that received them passes `KEYS`.
   */
  refreshTtl: `
local function refreshTtl(K, ttl, prefix)
  if ttl > 0 then
    for k = 3, 9 do redis.call('EXPIRE', K[k], ttl) end
    for _, task in ipairs(redis.call('HKEYS', K[4])) do redis.call('EXPIRE', prefix .. task, ttl) end
  end
end
`,

  /**
   * `putRecord(K, name, task, json, flag, prefix)`: writes one instance
   * record and keeps the indexes in step, as every write does (`K` as for
   * `refreshTtl`). `flag` is u (unstarted: in its task's unstarted set), o
   * (another unresolved status) or r (resolved: out of the unresolved set).
   */
  putRecord: `
local function putRecord(K, name, task, json, flag, prefix)
  redis.call('HSET', K[5], name, json)
  if flag == 'u' then redis.call('SADD', prefix .. task, name) else redis.call('SREM', prefix .. task, name) end
  if flag == 'r' then redis.call('SREM', K[8], name) else redis.call('SADD', K[8], name) end
end
`,
} as const;
