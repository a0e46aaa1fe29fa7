#!lua
--[[
  Deletes documents with their index entries.

  Input:
    KEYS[i]         document keys, i = 1..n, n = #ARGV / 2
    KEYS[n + 1..]   every index key the deletes may touch: declared only, so that on a cluster a slot
                    on the move answers TRYAGAIN before anything is deleted
    ARGV[2i - 1]    key i's model's index prefix
    ARGV[2i]        key i's pk

  Output:
    1 or 0 per key: whether it existed
]]
local function prefixOf(i) return ARGV[2 * i - 1] end
local function pkOf(i) return ARGV[2 * i] end

--- @include "includes/index-entries"

local n = #ARGV / 2
local out = {}
for i = 1, n do
  out[i] = redis.call('DEL', KEYS[i])
  unindex(prefixOf(i), pkOf(i))
end
return out
