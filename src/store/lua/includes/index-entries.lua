--[[
  Keeps a document's index entries (see src/store/indexes/index-keys.ts): removes what the previous
  version put in, using the entries remembered in `@entries`, and adds the new ones. Node computes the
  entries; Lua only decodes that list (never a document) to read it.

  unindex(prefix, pk): takes pk out of every index of the model at prefix.
  index(prefix, pk, entries, expiresAt): replaces pk's entries with `entries` (JSON); expiresAt is the
    key's expiry in ms, 0 for none.
]]
local function unindex(prefix, pk)
  local old = redis.call('HGET', prefix .. '@entries', pk)
  if old then
    for _, entry in ipairs(cjson.decode(old)) do
      if entry[2] == 's' then redis.call('ZREM', prefix .. entry[1], pk)
      elseif entry[2] == 'l' then redis.call('ZREM', prefix .. entry[1], entry[3])
      else redis.call('ZREM', prefix .. entry[1] .. ':@null', pk) end
    end
    redis.call('HDEL', prefix .. '@entries', pk)
  end
  redis.call('ZREM', prefix .. '@pk', pk)
  redis.call('ZREM', prefix .. '@expiry', pk)
end

local function index(prefix, pk, entries, expiresAt)
  unindex(prefix, pk)
  local list = cjson.decode(entries)
  for _, entry in ipairs(list) do
    if entry[2] == 's' then redis.call('ZADD', prefix .. entry[1], entry[3], pk)
    elseif entry[2] == 'l' then redis.call('ZADD', prefix .. entry[1], 0, entry[3])
    else redis.call('ZADD', prefix .. entry[1] .. ':@null', 0, pk) end
  end
  if #list > 0 then redis.call('HSET', prefix .. '@entries', pk, entries) end
  redis.call('ZADD', prefix .. '@pk', 0, pk)
  if expiresAt > 0 then redis.call('ZADD', prefix .. '@expiry', expiresAt, pk) end
end
