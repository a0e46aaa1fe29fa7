#!lua
--[[
  Sets or removes a document's TTL, and its `@expiry` entry with it.

  Input:
    KEYS[1]    the document
    KEYS[2]    the `@expiry` set of its indexes
    ARGV[1]    its pk
    ARGV[2]    the seconds to live ("0": no expiry)

  Output:
    {TTL after the change (-1: none), document}, or {-2} when the key is missing
]]
local key, expiryKey = KEYS[1], KEYS[2]
local pk, seconds = ARGV[1], tonumber(ARGV[2])

--- @include "includes/now-ms"

local doc = redis.call('GET', key)
if not doc then return {-2} end
if seconds == 0 then
  redis.call('PERSIST', key)
  redis.call('ZREM', expiryKey, pk)
  return {-1, doc}
end
redis.call('EXPIRE', key, seconds)
redis.call('ZADD', expiryKey, nowMs() + seconds * 1000, pk)
return {seconds, doc}
