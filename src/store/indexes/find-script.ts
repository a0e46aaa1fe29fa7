/*
 * Lua for the finders. Scripts run atomically, so a finder never sees a half-written state, and its
 * temporary sets (under a random `rmg:tmp:` prefix) are deleted before it returns. Documents are only
 * fetched as text; Lua decodes nothing but the plan, the order, the cursor and index entry lists.
 */

import { INDEX_LIBRARY } from './index-library.js';

/** Purging expired entries, and turning a plan (see plan.ts) into a sorted set of pks. */
export const PLAN_LIBRARY = `
local prefix, keyPrefix, tmpPrefix = ARGV[1], ARGV[2], ARGV[3]
local temps = {}
local function tmp()
  local key = tmpPrefix .. (#temps + 1)
  temps[#temps + 1] = key
  return key
end
local function dropTemps()
  if #temps > 0 then redis.call('DEL', unpack(temps)) end
end

-- Redis has no hook on expiry: entries whose key may have expired are checked here, at read time.
-- A score is never later than the key's real expiry (reads only extend TTLs), so nothing expired is missed.
local function purgeExpired()
  local now = nowMs()
  while true do
    local due = redis.call('ZRANGE', prefix .. '@expiry', '-inf', now, 'BYSCORE', 'LIMIT', 0, 500)
    if #due == 0 then return end
    for _, pk in ipairs(due) do
      local pttl = redis.call('PTTL', keyPrefix .. pk)
      if pttl == -2 then unindex(prefix, pk)
      elseif pttl == -1 then redis.call('ZREM', prefix .. '@expiry', pk)
      else redis.call('ZADD', prefix .. '@expiry', now + pttl, pk) end
    end
  end
end

local function pkOf(member)
  local at = string.find(member, '\\0\\0', 1, true)
  return string.sub(member, at + 2)
end

local function addMembers(key, members)
  for i = 1, #members, 500 do
    local args = {}
    for j = i, math.min(i + 499, #members) do
      args[#args + 1] = 0
      args[#args + 1] = members[j]
    end
    redis.call('ZADD', key, unpack(args))
  end
end

-- Byte range of a lex index, whose members are <escaped value>\\0\\0<pk>, between two bounds.
local function lexRange(lowerOp, lower, upperOp, upper)
  local min, max = '-', '+'
  if lowerOp == 'gte' then min = '[' .. lower .. '\\0\\0'
  elseif lowerOp == 'gt' then min = '(' .. lower .. '\\0\\0\\255' end
  if upperOp == 'lte' then max = '(' .. upper .. '\\0\\0\\255'
  elseif upperOp == 'lt' then max = '(' .. upper .. '\\0\\0' end
  return min, max
end

local function within(score, bound, lower)
  if bound == '-inf' or bound == '+inf' then return bound == (lower and '-inf' or '+inf') end
  local exclusive = string.sub(bound, 1, 1) == '('
  local edge = tonumber(exclusive and string.sub(bound, 2) or bound)
  if lower then return exclusive and score > edge or (not exclusive and score >= edge) end
  return exclusive and score < edge or (not exclusive and score <= edge)
end

local run

-- An and costs its smallest part: score ranges larger than what is left are not materialised, the
-- members left are checked against them one by one (ZSCORE) instead.
local function andInto(key, node)
  local ranges, others = {}, {}
  for i = 2, #node do
    local child = node[i]
    if child[1] == 'score' then
      ranges[#ranges + 1] = {child, redis.call('ZCOUNT', prefix .. child[2], child[3], child[4])}
    else
      others[#others + 1] = child
    end
  end
  table.sort(ranges, function(a, b) return a[2] < b[2] end)
  local parts, next = {}, 1
  for _, child in ipairs(others) do parts[#parts + 1] = run(child) end
  if #parts == 0 then
    parts[1] = run(ranges[1][1])
    next = 2
  end
  redis.call('ZINTERSTORE', key, #parts, unpack(parts))
  for i = next, #ranges do
    local range, count = ranges[i][1], ranges[i][2]
    if redis.call('ZCARD', key) <= count then
      for _, pk in ipairs(redis.call('ZRANGE', key, 0, -1)) do
        local score = redis.call('ZSCORE', prefix .. range[2], pk)
        if not score or not (within(tonumber(score), range[3], true) and within(tonumber(score), range[4], false)) then
          redis.call('ZREM', key, pk)
        end
      end
    else
      redis.call('ZINTERSTORE', key, 2, key, run(range))
    end
  end
end

run = function(node)
  local op = node[1]
  if op == 'all' then return prefix .. '@pk' end
  if op == 'null' then return prefix .. node[2] .. ':@null' end
  local key = tmp()
  if op == 'score' then
    redis.call('ZRANGESTORE', key, prefix .. node[2], node[3], node[4], 'BYSCORE')
  elseif op == 'lex' then
    local min, max = lexRange(node[3], node[4], node[5], node[6])
    local pks = {}
    for i, member in ipairs(redis.call('ZRANGE', prefix .. node[2], min, max, 'BYLEX')) do pks[i] = pkOf(member) end
    addMembers(key, pks)
  elseif op == 'not' then
    redis.call('ZDIFFSTORE', key, 2, prefix .. '@pk', run(node[2]))
  elseif op == 'or' then
    local keys = {}
    for i = 2, #node do keys[#keys + 1] = run(node[i]) end
    redis.call('ZUNIONSTORE', key, #keys, unpack(keys))
  elseif op == 'and' then
    andInto(key, node)
  end
  return key
end
`;

/**
 * ARGV: index prefix, key prefix, temp prefix, plan, order [kind, field, "ASC"|"DESC"] (kind: pk,
 * score or lex), cursor [phase, sort value, pk] or "", first, "1" to count, seconds to refresh TTLs to.
 * Phases: "v" the items with a value of the order field, "n" those without (null sorts last ascending).
 * Returns {count or -1, has next page, then pk, document (nil: gone), phase, sort value, ttl (-1: none) per item}.
 */
export const FIND = `#!lua flags=allow-oom
${INDEX_LIBRARY}
${PLAN_LIBRARY}
purgeExpired()
local plan, order = cjson.decode(ARGV[4]), cjson.decode(ARGV[5])
local cursor = ARGV[6] ~= '' and cjson.decode(ARGV[6]) or nil
local first, wantCount, refresh = tonumber(ARGV[7]), ARGV[8] == '1', tonumber(ARGV[9])
local kind, field, asc = order[1], order[2], order[3] == 'ASC'
local all = plan[1] == 'all'
local result = run(plan)
local want = first + 1
local items = {}

local function take(pk, phase, sortValue) items[#items + 1] = {pk, phase, sortValue} end

-- Lex-ordered sets: pk sets (scores 0, members pks) and string indexes (members value\\0\\0pk).
local function pageLex(source, after, phase, isIndex)
  local n = want - #items
  if n <= 0 then return end
  local members
  if asc then members = redis.call('ZRANGE', source, after and ('(' .. after) or '-', '+', 'BYLEX', 'LIMIT', 0, n)
  else members = redis.call('ZRANGE', source, after and ('(' .. after) or '+', '-', 'BYLEX', 'REV', 'LIMIT', 0, n) end
  for _, member in ipairs(members) do take(isIndex and pkOf(member) or member, phase, member) end
end

-- Score-ordered sets (scores the field's values, ties in pk order).
local function pageScore(source, shared, after)
  local n = want - #items
  if n <= 0 then return end
  local start = 0
  if after then
    local score, pk = after[2], after[3]
    local current = redis.call('ZSCORE', source, pk)
    if not shared and current ~= score then
      redis.call('ZADD', source, score, pk)
      current = score
    end
    if current and tonumber(current) == tonumber(score) then
      start = (asc and redis.call('ZRANK', source, pk) or redis.call('ZREVRANK', source, pk)) + 1
    else
      -- The cursor's item left a shared index: count what sorts before it, ties by pk in byte order.
      start = redis.call('ZCOUNT', source, asc and '-inf' or ('(' .. score), asc and ('(' .. score) or '+inf')
      local ties = tmp()
      addMembers(ties, redis.call('ZRANGE', source, score, score, 'BYSCORE'))
      redis.call('ZADD', ties, 0, pk)
      local rank = asc and redis.call('ZRANK', ties, pk) or (redis.call('ZCARD', ties) - 1 - redis.call('ZRANK', ties, pk))
      start = start + rank
    end
  end
  local range
  if asc then range = redis.call('ZRANGE', source, start, start + n - 1, 'WITHSCORES')
  else range = redis.call('ZRANGE', source, start, start + n - 1, 'REV', 'WITHSCORES') end
  for i = 1, #range, 2 do take(range[i], 'v', range[i + 1]) end
end

local function valued(after)
  if kind == 'pk' then
    local source = result
    if not all then
      source = tmp()
      redis.call('ZINTERSTORE', source, 1, result, 'WEIGHTS', 0)
    end
    pageLex(source, after and after[2], 'v', false)
  elseif kind == 'lex' then
    local source = prefix .. field
    if not all then
      source = tmp()
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
    end
    pageLex(source, after and after[2], 'v', true)
  else
    local source = prefix .. field
    if not all then
      source = tmp()
      redis.call('ZINTERSTORE', source, 2, result, prefix .. field, 'WEIGHTS', 0, 1)
    end
    pageScore(source, all, after)
  end
end

local function nulls(after)
  local source = prefix .. field .. ':@null'
  if not all then
    source = tmp()
    redis.call('ZINTERSTORE', source, 2, result, prefix .. field .. ':@null', 'WEIGHTS', 0, 0)
  end
  pageLex(source, after and after[2], 'n', false)
end

if kind == 'pk' then valued(cursor)
elseif asc then
  if not cursor or cursor[1] == 'v' then valued(cursor) end
  nulls(cursor and cursor[1] == 'n' and cursor or nil)
else
  if not cursor or cursor[1] == 'n' then nulls(cursor) end
  valued(cursor and cursor[1] == 'v' and cursor or nil)
end

local out = {0, #items > first and 1 or 0}
local now = nowMs()
for i = 1, math.min(#items, first) do
  local pk, phase, sortValue = items[i][1], items[i][2], items[i][3]
  local key = keyPrefix .. pk
  local doc = redis.call('GET', key)
  local ttl = -2
  if not doc then
    -- Removed behind the gateway's back (a raw DEL, eviction): drop its entries; the item still
    -- carries its position, so the page's end cursor moves past it.
    unindex(prefix, pk)
  elseif refresh > 0 then
    redis.call('EXPIRE', key, refresh)
    redis.call('ZADD', prefix .. '@expiry', now + refresh * 1000, pk)
    ttl = refresh
  else
    ttl = redis.call('TTL', key)
  end
  out[#out + 1] = pk
  out[#out + 1] = doc
  out[#out + 1] = phase
  out[#out + 1] = sortValue
  out[#out + 1] = ttl
end
-- Counted last, after any entry dropped above.
out[1] = wantCount and redis.call('ZCARD', result) or -1
dropTemps()
return out
`;

/** ARGV: index prefix, key prefix, temp prefix, plan. Deletes every instance the plan selects; returns the count. */
export const DELETE_WHERE = `#!lua flags=allow-oom
${INDEX_LIBRARY}
${PLAN_LIBRARY}
purgeExpired()
local selected = run(cjson.decode(ARGV[4]))
local pks = redis.call('ZRANGE', selected, 0, -1)
local count = 0
for _, pk in ipairs(pks) do
  count = count + redis.call('DEL', keyPrefix .. pk)
  unindex(prefix, pk)
end
dropTemps()
return count
`;
