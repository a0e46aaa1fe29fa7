--[[
  Releases a lock, for its holder only, and records that it did: a release re-sent after its reply was
  lost answers 1 again rather than 0 for a lock it let go itself.

  Input:
    KEYS[1]    the lock
    KEYS[2]    the release's write record (includes/write-record.lua), in the lock's slot
    ARGV[1]    the holder's value
    ARGV[2]    how long the record is kept, in ms

  Output:
    1 if it was held with that value and is now deleted (or this release was already applied), else 0
]]
local lockKey, recordKey = KEYS[1], KEYS[2]
local value, recordMs = ARGV[1], ARGV[2]

--- @include "includes/write-record"

local recorded = recordedReply(recordKey)
if recorded then return recorded[1] end
if redis.call('GET', lockKey) ~= value then return 0 end
redis.call('DEL', lockKey)
record(recordKey, {1}, recordMs)
return 1
