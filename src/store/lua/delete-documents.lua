#!lua
--[[
  Deletes documents with their index entries.

  Input:
    KEYS[i]         document keys
    ARGV[2i - 1]    key i's model's index prefix
    ARGV[2i]        key i's pk

  Output:
    1 or 0 per key: whether it existed
]]
local function prefixOf(i) return ARGV[2 * i - 1] end
local function pkOf(i) return ARGV[2 * i] end

--- @include "includes/index-entries"

local out = {}
for i, key in ipairs(KEYS) do
  out[i] = redis.call('DEL', key)
  unindex(prefixOf(i), pkOf(i))
end
return out
