--[[
  Takes the session lock, or extends it if the token already owns it. A
  free lock is only taken if no other waiter is marked as next; a refused
  caller marks itself next when nobody is, so pollers from other processes
  cannot be starved by a busy holder re-acquiring.

  KEYS[1] lock
  KEYS[2] next

  ARGV[1] token
  ARGV[2] lock TTL, ms
  ARGV[3] TTL of the next-waiter mark, ms

  Returns 1 (taken), 2 (refused, the caller is the marked next waiter: it
  should retry promptly) or 0 (refused).
]]
local cur = redis.call('GET', KEYS[1])
if cur == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
local nxt = redis.call('GET', KEYS[2])
if not cur then
  if (not nxt) or nxt == ARGV[1] then
    redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
    if nxt then redis.call('DEL', KEYS[2]) end
    return 1
  end
end
if not nxt then
  redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[3])
  return 2
elseif nxt == ARGV[1] then
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
  return 2
end
return 0
