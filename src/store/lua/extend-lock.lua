--[[
  Extends a lock's lease, for its holder only, and records the server time it answered: an extension
  re-sent after its reply was lost answers that record rather than extend the lease again.

  Input:
    KEYS[1]    the lock
    KEYS[2]    the extension's write record (includes/write-record.lua), in the lock's slot
    ARGV[1]    the holder's value
    ARGV[2]    the new lease in ms
    ARGV[3]    how long the record is kept, in ms

  Output:
    the server time in ms, or 0 when the lock is not held with that value
]]
local lockKey, recordKey = KEYS[1], KEYS[2]
local value, leaseMs, recordMs = ARGV[1], ARGV[2], ARGV[3]

--- @include "includes/now-ms"
--- @include "includes/write-record"

local recorded = recordedReply(recordKey)
if recorded then return recorded[1] end
if redis.call('GET', lockKey) ~= value then return 0 end
redis.call('PEXPIRE', lockKey, leaseMs)
local now = nowMs()
record(recordKey, {now}, recordMs)
return now
