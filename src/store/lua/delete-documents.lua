#!lua
--[[
  Deletes documents with their index entries.

  Input:
    KEYS[i]         document keys, i = 1..n, n = (#ARGV - 1) / 2
    KEYS[n + 1..]   every index key the deletes may touch: declared only, so that on a cluster a slot
                    on the move answers TRYAGAIN before anything is deleted
    KEYS[#KEYS]     with a record lifetime: the delete's record, in the documents' slot
    ARGV[1]         recordMs: how long to keep the delete's record, in ms ("0": no record). A call
                    whose record exists answers the recorded reply and deletes nothing, so that a
                    script re-sent after its reply was lost reports what the first run deleted
    ARGV[2i]        key i's model's index prefix
    ARGV[2i + 1]    key i's pk

  Output:
    1 or 0 per key: whether it existed
]]
local recordMs = tonumber(ARGV[1])
local function prefixOf(i) return ARGV[2 * i] end
local function pkOf(i) return ARGV[2 * i + 1] end

--- @include "includes/index-entries"
--- @include "includes/write-record"

local n = (#ARGV - 1) / 2
local recordKey = recordMs > 0 and KEYS[#KEYS] or nil
local recorded = recordedReply(recordKey)
if recorded then return recorded end
local out = {}
for i = 1, n do
  out[i] = redis.call('DEL', KEYS[i])
  unindex(prefixOf(i), pkOf(i))
end
record(recordKey, out, recordMs)
return out
