--[[
  Ordering and paging the matches of a finder in one index shard. The including script includes plan
  first, and defines the locals `prefix` (the shard's index prefix), `kind` ("pk", "score" or "lex"),
  `field` (the order field), `asc` (ascending) and `all` (the plan selects every instance) before
  including this.

  Phases: "v" the items with a value of the order field, "n" those without (null sorts last ascending).

  orderingWork(most): the work of ordering a built set of at most `most` members, null phase included
    (nothing when all: pages come straight off the indexes).
  valuedSource(result), nullSource(result): the set the "v" or the "n" phase pages from, given the key of
    the plan's set: the index itself when all, otherwise a temporary set built from it.
  pageFrom(source, phase, after, n, take): calls take(pk, phase, sort value) for the first `n` items of
    `source` after the position `after` ({phase, sort value, pk} as a cursor holds it, or nil), in page
    order; returns how many it took.
  eachPhase(cursor, visit): calls visit(phase, position after) for each phase a page from `cursor` (or
    nil) reads, in page order.
  appendItem(out, pk, doc, phase, sortValue, ttl): adds one item of a page to a reply, as the finder's
    reply parser reads it (src/store/indexes/found-items.ts): five entries, the document false when gone.
]]

local function appendItem(out, pk, doc, phase, sortValue, ttl)
  out[#out + 1] = pk
  out[#out + 1] = doc
  out[#out + 1] = phase
  out[#out + 1] = sortValue
  out[#out + 1] = ttl
end

local function orderingWork(most)
  if all then return 0 end
  local work = kind == 'lex' and most * W.entries or most * W.copy
  if kind ~= 'pk' then work = work + most * W.copy end
  return work
end

local function valuedSource(result)
  if all then return kind == 'pk' and result or prefix .. field end
  local source = tmp()
  if kind == 'pk' then
    redis.call('ZINTERSTORE', source, 1, result, 'WEIGHTS', 0)
  elseif kind == 'lex' then
    -- String indexes hold `value\0\0pk`: the matches' members are rebuilt from their entries.
    local members = {}
    for _, pk in ipairs(redis.call('ZRANGE', result, 0, -1)) do
      local entries = redis.call('HGET', prefix .. '@entries', pk)
      if entries then
        for _, entry in ipairs(cjson.decode(entries)) do
          if entry[1] == field and entry[2] == 'l' then members[#members + 1] = entry[3] end
        end
      end
    end
    addMembers(source, members)
  else
    redis.call('ZINTERSTORE', source, 2, result, prefix .. field, 'WEIGHTS', 0, 1)
  end
  return source
end

local function nullSource(result)
  if all then return prefix .. field .. ':@null' end
  local source = tmp()
  redis.call('ZINTERSTORE', source, 2, result, prefix .. field .. ':@null', 'WEIGHTS', 0, 0)
  return source
end

-- Lex-ordered sets: pk sets (scores 0, members pks) and string indexes (members value\0\0pk).
local function pageLex(source, after, phase, isIndex, n, take)
  local members
  if asc then members = redis.call('ZRANGE', source, after and ('(' .. after) or '-', '+', 'BYLEX', 'LIMIT', 0, n)
  else members = redis.call('ZRANGE', source, after and ('(' .. after) or '+', '-', 'BYLEX', 'REV', 'LIMIT', 0, n) end
  for _, member in ipairs(members) do take(isIndex and pkOf(member) or member, phase, member) end
  return #members
end

-- Score-ordered sets (scores the field's values, ties in pk order). `shared`: the source is the index
-- itself, not a temporary set of this call.
local function pageScore(source, shared, after, n, take)
  local start = 0
  if after then
    local score, pk = after[2], after[3]
    local current = redis.call('ZSCORE', source, pk)
    if shared then
      if current and tonumber(current) == tonumber(score) then
        start = (asc and redis.call('ZRANK', source, pk) or redis.call('ZREVRANK', source, pk)) + 1
      else
        -- The cursor's item left the index or moved: put it back at the cursor's position for one rank,
        -- then restore it (all within this atomic script). O(log N), however many items share the score.
        redis.call('ZADD', source, score, pk)
        start = asc and redis.call('ZRANK', source, pk) or redis.call('ZREVRANK', source, pk)
        if current then
          redis.call('ZADD', source, current, pk)
          local before = asc and tonumber(current) < tonumber(score) or (not asc and tonumber(current) > tonumber(score))
          if before then start = start + 1 end
        else
          redis.call('ZREM', source, pk)
        end
      end
    else
      if current ~= score then redis.call('ZADD', source, score, pk) end
      start = (asc and redis.call('ZRANK', source, pk) or redis.call('ZREVRANK', source, pk)) + 1
    end
  end
  local range
  if asc then range = redis.call('ZRANGE', source, start, start + n - 1, 'WITHSCORES')
  else range = redis.call('ZRANGE', source, start, start + n - 1, 'REV', 'WITHSCORES') end
  for i = 1, #range, 2 do take(range[i], 'v', range[i + 1]) end
  return #range / 2
end

local function pageFrom(source, phase, after, n, take)
  if phase == 'v' and kind == 'score' then return pageScore(source, all, after, n, take) end
  return pageLex(source, after and after[2], phase, phase == 'v' and kind == 'lex', n, take)
end

local function eachPhase(cursor, visit)
  if kind == 'pk' then visit('v', cursor)
  elseif asc then
    if not cursor or cursor[1] == 'v' then visit('v', cursor) end
    visit('n', cursor and cursor[1] == 'n' and cursor or nil)
  else
    if not cursor or cursor[1] == 'n' then visit('n', cursor) end
    visit('v', cursor and cursor[1] == 'v' and cursor or nil)
  end
end
