#!lua
--[[
  Indexes a batch of documents read by a reindex, each only if it is still the text just read (a newer
  write indexed itself).

  Input:
    KEYS[i]         document keys, i = 1..n, n = (#ARGV - 1) / 3
    KEYS[n + 1..]   every index key of the model: declared only
    ARGV[1]         the model's index prefix
    ARGV[3i - 1]    key i's pk
    ARGV[3i]        SHA-1 of the text just read
    ARGV[3i + 1]    its index entries (JSON), or "" for a document that does not decode, which is
                    taken out of the indexes

  Output:
    {how many it indexed, {the pks it took out}}
]]
local prefix = ARGV[1]
local function pkOf(i) return ARGV[3 * i - 1] end
local function shaOf(i) return ARGV[3 * i] end
local function entriesOf(i) return ARGV[3 * i + 1] end

--- @include "includes/index-entries"
--- @include "includes/now-ms"

local n = (#ARGV - 1) / 3
local indexed, removed, now = 0, {}, nowMs()
for i = 1, n do
  local key = KEYS[i]
  local pk, sha, entries = pkOf(i), shaOf(i), entriesOf(i)
  local text = redis.call('GET', key)
  if text and redis.sha1hex(text) == sha then
    if entries == '' then
      unindex(prefix, pk)
      removed[#removed + 1] = pk
    else
      local pttl = redis.call('PTTL', key)
      index(prefix, pk, entries, pttl > 0 and now + pttl or 0)
      indexed = indexed + 1
    end
  end
end
return {indexed, removed}
