--[[
  Takes a lock if it is free.

  Input:
    KEYS[1]    the lock
    KEYS[2]    the fencing counter
    ARGV[1]    the holder's value
    ARGV[2]    the lease in ms

  Output:
    {fencing token, server time in ms} when taken, else {0, pttl left}
]]
local lockKey, fenceKey = KEYS[1], KEYS[2]
local value, leaseMs = ARGV[1], ARGV[2]

--- @include "includes/now-ms"

if redis.call('SET', lockKey, value, 'NX', 'PX', leaseMs) then
  local now = nowMs()
  return {redis.call('INCR', fenceKey), now}
end
return {0, redis.call('PTTL', lockKey)}
