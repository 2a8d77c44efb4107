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
local strbyte, strfind, strsub = string.byte, string.find, string.sub
local function skipString(s, i)
  if strbyte(s, i) ~= 34 then error('not a string') end
  local j = i + 1
  while true do
    local k = strfind(s, '"', j, true)
    if not k then error('unterminated string') end
    -- Escaped when an odd number of backslashes precede it (the opening quote stops the walk).
    local b = k - 1
    while strbyte(s, b) == 92 do b = b - 1 end
    if (k - 1 - b) % 2 == 0 then return k + 1 end
    j = k + 1
  end
end
local function skipValue(s, i)
  local c = strbyte(s, i)
  if c == 34 then return skipString(s, i) end
  if c == 123 or c == 91 then
    local depth, j = 0, i
    while true do
      local k = strfind(s, '["{}%[%]]', j)
      if not k then error('unterminated value') end
      local d = strbyte(s, k)
      if d == 34 then
        j = skipString(s, k)
      else
        if d == 123 or d == 91 then depth = depth + 1 else depth = depth - 1 end
        j = k + 1
        if depth == 0 then return j end
      end
    end
  end
  local k = strfind(s, '[,}%]]', i)
  if not k or k == i then error('bad scalar') end
  return k
end
local function members(s, i)
  if strbyte(s, i) ~= 123 then error('not an object') end
  local out, j = {}, i + 1
  if strbyte(s, j) == 125 then return out, j end
  while true do
    local ke = skipString(s, j)
    if strbyte(s, ke) ~= 58 then error('no colon') end
    local ve = skipValue(s, ke + 1)
    out[strsub(s, j, ke - 1)] = { ke + 1, ve }
    local c = strbyte(s, ve)
    if c == 125 then return out, ve end
    if c ~= 44 then error('bad separator') end
    j = ve + 1
  end
end
local function items(s, i)
  if strbyte(s, i) ~= 91 then error('not an array') end
  local out, j = {}, i + 1
  if strbyte(s, j) == 93 then return out, j end
  while true do
    local ve = skipValue(s, j)
    out[strsub(s, j, ve - 1)] = true
    local c = strbyte(s, ve)
    if c == 93 then return out, ve end
    if c ~= 44 then error('bad separator') end
    j = ve + 1
  end
end
local function byStart(a, b) return a[1] < b[1] end
local function splice(s, edits)
  if #edits > 1 then table.sort(edits, byStart) end
  local parts, pos = {}, 1
  for _, e in ipairs(edits) do
    parts[#parts + 1] = strsub(s, pos, e[1] - 1)
    parts[#parts + 1] = e[3]
    pos = e[2]
  end
  parts[#parts + 1] = strsub(s, pos)
  return table.concat(parts)
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
