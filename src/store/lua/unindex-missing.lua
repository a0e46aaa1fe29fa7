#!lua
--[[
  Removes the index entries of pks whose document is gone.

  Input:
    KEYS          each pk's document key, then every index key of the model: declared only (the
                  script names them from the prefixes)
    ARGV[1]       the model's index prefix
    ARGV[2]       its document key prefix ("<Model>:")
    ARGV[3..]     pks

  Output:
    how many pks it took out
]]
local prefix, keyPrefix = ARGV[1], ARGV[2]
local FIRST_PK = 3

--- @include "includes/index-entries"

local count = 0
for i = FIRST_PK, #ARGV do
  if redis.call('EXISTS', keyPrefix .. ARGV[i]) == 0 then
    unindex(prefix, ARGV[i])
    count = count + 1
  end
end
return count
