#!lua
--[[
  The one script every write of the gateway goes through.

  Input:
    KEYS[1..n]        document keys
    KEYS[n + j]       lock keys, j = 1..m
    KEYS[n + m + 1..] every index key the documents may touch: declared only (the script names them
                      from each document's prefix), so that on a cluster a slot on the move answers
                      TRYAGAIN before anything is written
    KEYS[#KEYS]       with a record lifetime: the write's record, in the documents' slot
    ARGV[1]           n
    ARGV[2]           m
    then seven per document i, from ARGV[2 + 7(i - 1) + 1]:
      expect          what it must be before the write: "any", "absent", or "sha1:<hex>" of its current text
      document        the new document
      ttl             the model's ttl in seconds ("0": none)
      refresh         "1" when writes reset the TTL ("0": keep what is left, as EXPIRE NX)
      prefix          the model's index prefix
      pk              the pk
      entries         its index entries (JSON)
    then one per lock j, ARGV[2 + 7n + j]: the value its holder set
    ARGV[2 + 7n + m + 1]
      recordMs        how long to keep the write's record, in ms ("0": no record). A call whose record
                      exists answers the recorded reply and writes nothing: a script re-sent after its
                      reply was lost (a client's resend on failover) is applied once

  Output:
    {0, ttl...} when written (ttl -1: none), or {status, i}: 1 document i exists, 2 lock i is no
    longer held, 3 document i changed since it was read, 4 document i is gone.

  Every check runs before the first write, and SET, EXPIRE, ZADD, ZREM, HSET and HDEL cannot fail on
  keys of their types, so the script writes all or nothing, document and index together. The shebang
  makes Redis refuse it whole, before it starts, when memory is full.
]]
local n, m = tonumber(ARGV[1]), tonumber(ARGV[2])
local A = 7
local EXPECT, DOCUMENT, TTL, REFRESH, PREFIX, PK, ENTRIES = 1, 2, 3, 4, 5, 6, 7
local function documentArg(i, field) return ARGV[2 + A * (i - 1) + field] end
local function lockValue(j) return ARGV[2 + A * n + j] end
local recordMs = tonumber(ARGV[2 + A * n + m + 1])
local recordKey = recordMs > 0 and KEYS[#KEYS] or nil

--- @include "includes/index-entries"
--- @include "includes/now-ms"
--- @include "includes/write-record"

local recorded = recordedReply(recordKey)
if recorded then return recorded end
for j = 1, m do
  if redis.call('GET', KEYS[n + j]) ~= lockValue(j) then return {2, j} end
end
for i = 1, n do
  local expect = documentArg(i, EXPECT)
  if expect == 'absent' then
    if redis.call('EXISTS', KEYS[i]) == 1 then return {1, i} end
  elseif expect ~= 'any' then
    local current = redis.call('GET', KEYS[i])
    if not current then return {4, i} end
    if 'sha1:' .. redis.sha1hex(current) ~= expect then return {3, i} end
  end
end
local now = nowMs()
local out = {0}
for i = 1, n do
  local key, doc, ttl, refresh = KEYS[i], documentArg(i, DOCUMENT), tonumber(documentArg(i, TTL)), documentArg(i, REFRESH) == '1'
  local expiresAt = 0
  if ttl == 0 then
    redis.call('SET', key, doc)
    out[i + 1] = -1
  elseif refresh then
    redis.call('SET', key, doc, 'EX', ttl)
    out[i + 1] = ttl
    expiresAt = now + ttl * 1000
  else
    redis.call('SET', key, doc, 'KEEPTTL')
    redis.call('EXPIRE', key, ttl, 'NX')
    out[i + 1] = redis.call('TTL', key)
    expiresAt = now + redis.call('PTTL', key)
  end
  index(documentArg(i, PREFIX), documentArg(i, PK), documentArg(i, ENTRIES), expiresAt)
end
-- Only a write is recorded: a refusal wrote nothing, and a re-sent one may as well be checked again.
record(recordKey, out, recordMs)
return out
