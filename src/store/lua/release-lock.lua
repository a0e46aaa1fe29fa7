--[[
  Releases a lock, for its holder only.

  Input:
    KEYS[1]    the lock
    ARGV[1]    the holder's value

  Output:
    1 if it was held with that value and is now deleted, else 0
]]
local lockKey = KEYS[1]
local value = ARGV[1]

if redis.call('GET', lockKey) ~= value then return 0 end
return redis.call('DEL', lockKey)
