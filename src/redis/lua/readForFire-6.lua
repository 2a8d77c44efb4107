--[[
  Everything a fire reads, in one round trip: the task entries (unless the
  caller's cached copy has the current version), the names of the tasks
  mentioning the trigger, their unstarted instance records, their instance
  counts, and the latest kwargs of the triggers they mention. The trigger
  lists in tt are length-prefixed (<bytes>:<name>...), parsed here without
  JSON and without any separator a name could contain.

  KEYS[1] tasks
  KEYS[2] tt
  KEYS[3] inst
  KEYS[4] latest
  KEYS[5] counts
  KEYS[6] tv

  ARGV[1] trigger
  ARGV[2] unstarted prefix
  ARGV[3] cached tasks version
  ARGV[4..] optionally #using, using names..., mentioned names..., derived
    by the caller from its cached entries: used instead of scanning every
    task's trigger list when the cached version is current

  Returns { tasks flat [name, json...] (empty when the cached version is
  current), using [name...], unstarted [json...], counts [n...], latest
  flat [trigger, json...], tasks version }.
]]
local trigger = ARGV[1]
local version = redis.call('GET', KEYS[6]) or ''
local using, mentioned, seen = {}, {}, {}
local tt = {}
if version ~= '' and version == ARGV[3] and #ARGV >= 4 then
  -- The caller's cached configuration is current: trust the tasks and triggers it derived from it.
  local nu = tonumber(ARGV[4])
  for k = 1, nu do using[k] = ARGV[4 + k] end
  for k = 5 + nu, #ARGV do mentioned[#mentioned + 1] = ARGV[k] end
else
  tt = redis.call('HGETALL', KEYS[2])
end
for i = 1, #tt, 2 do
  local list, names, hit, pos = tt[i + 1], {}, false, 1
  while pos <= #list do
    local colon = string.find(list, ':', pos, true)
    local n = tonumber(string.sub(list, pos, colon - 1))
    local name = string.sub(list, colon + 1, colon + n)
    pos = colon + n + 1
    names[#names + 1] = name
    if name == trigger then hit = true end
  end
  if hit then
    using[#using + 1] = tt[i]
    for _, name in ipairs(names) do
      if not seen[name] then
        seen[name] = true
        mentioned[#mentioned + 1] = name
      end
    end
  end
end
local function hmget(key, fields, out, withNames)
  for first = 1, #fields, 1000 do
    local chunk = {}
    for k = first, math.min(first + 999, #fields) do chunk[#chunk + 1] = fields[k] end
    local values = redis.call('HMGET', key, unpack(chunk))
    for k, v in ipairs(values) do
      if v then
        if withNames then out[#out + 1] = chunk[k] end
        out[#out + 1] = v
      end
    end
  end
end
local unstarted, counts, latest = {}, {}, {}
for j, task in ipairs(using) do
  hmget(KEYS[3], redis.call('SMEMBERS', ARGV[2] .. task), unstarted, false)
  counts[j] = redis.call('HGET', KEYS[5], task) or '0'
end
hmget(KEYS[4], mentioned, latest, true)
local tasks = {}
if version == '' or version ~= ARGV[3] then tasks = redis.call('HGETALL', KEYS[1]) end
return { tasks, using, unstarted, counts, latest, version }
