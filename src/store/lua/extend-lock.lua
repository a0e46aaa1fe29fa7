--[[
  Extends a lock's lease, for its holder only.

  Input:
    KEYS[1]    the lock
    ARGV[1]    the holder's value
    ARGV[2]    the new lease in ms

  Output:
    the server time in ms, or 0 when the lock is not held with that value
]]
local lockKey = KEYS[1]
local value, leaseMs = ARGV[1], ARGV[2]

--- @include "includes/now-ms"

if redis.call('GET', lockKey) ~= value then return 0 end
redis.call('PEXPIRE', lockKey, leaseMs)
return nowMs()
