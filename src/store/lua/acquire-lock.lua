--[[
  Takes a lock if it is free.

  Input:
    KEYS[1]    the lock
    KEYS[2]    the fencing counter
    KEYS[3]    the acquisition's record, in the lock's slot
    ARGV[1]    the holder's value
    ARGV[2]    the lease in ms
    ARGV[3]    recordMs: how long to keep the record of an acquisition, in ms. A call whose record
               exists answers it: an acquisition re-sent after its reply was lost gets its token,
               rather than finding the lock taken (by itself) and waiting for it

  Output:
    {fencing token, server time in ms} when taken, else {0, pttl left}
]]
local lockKey, fenceKey, recordKey = KEYS[1], KEYS[2], KEYS[3]
local value, leaseMs, recordMs = ARGV[1], ARGV[2], tonumber(ARGV[3])

--- @include "includes/now-ms"
--- @include "includes/write-record"

local recorded = recordedReply(recordKey)
if recorded then return recorded end
if redis.call('SET', lockKey, value, 'NX', 'PX', leaseMs) then
  local taken = {redis.call('INCR', fenceKey), nowMs()}
  record(recordKey, taken, recordMs)
  return taken
end
return {0, redis.call('PTTL', lockKey)}
