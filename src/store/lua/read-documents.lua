--[[
  Reads documents, refreshing the TTL of those whose model asks for it.

  Input:
    KEYS[i]         document keys
    ARGV[1]         "1" to return each key's remaining TTL
    ARGV[3i - 1]    seconds to reset key i's TTL to after reading it ("0" to leave it)
    ARGV[3i]        key i's model's index prefix
    ARGV[3i + 1]    key i's pk

  Output:
    {document or nil, ttl} per key (ttl -2: not asked, or the key is missing)

  A refreshed key's `@expiry` entry is set to its new expiry: the finders' purge needs every score to
  be no later than the key's real expiry, and a refresh may shorten a TTL that setTtl made longer.
  A key holding another Redis type reads as missing, as it does through MGET.
  No shebang: Redis runs it as it runs any script without flags, reads included over maxmemory.
]]
local wantTtl = ARGV[1] == '1'
local function refreshOf(i) return tonumber(ARGV[3 * i - 1]) end
local function prefixOf(i) return ARGV[3 * i] end
local function pkOf(i) return ARGV[3 * i + 1] end

--- @include "includes/now-ms"

local out = {}
local now = nil
for i, key in ipairs(KEYS) do
  local doc = redis.pcall('GET', key)
  if type(doc) == 'table' then doc = false end
  local ttl = -2
  if doc then
    local refresh = refreshOf(i)
    if refresh > 0 then
      if not now then now = nowMs() end
      redis.call('EXPIRE', key, refresh)
      redis.call('ZADD', prefixOf(i) .. '@expiry', now + refresh * 1000, pkOf(i))
      ttl = refresh
    elseif wantTtl then
      ttl = redis.call('TTL', key)
    end
  end
  out[i] = {doc, ttl}
end
return out
