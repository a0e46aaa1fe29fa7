#!lua
--[[
  Sets or removes a document's TTL, and its `@expiry` entry with it.

  Input:
    KEYS[1]    the document
    ARGV[1]    its model's index prefix
    ARGV[2]    its pk
    ARGV[3]    the seconds to live ("0": no expiry)

  Output:
    {TTL after the change (-1: none), document}, or {-2} when the key is missing
]]
local key = KEYS[1]
local prefix, pk, seconds = ARGV[1], ARGV[2], tonumber(ARGV[3])

--- @include "includes/now-ms"

local doc = redis.call('GET', key)
if not doc then return {-2} end
if seconds == 0 then
  redis.call('PERSIST', key)
  redis.call('ZREM', prefix .. '@expiry', pk)
  return {-1, doc}
end
redis.call('EXPIRE', key, seconds)
redis.call('ZADD', prefix .. '@expiry', nowMs() + seconds * 1000, pk)
return {seconds, doc}
