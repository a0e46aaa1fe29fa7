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
-- At most PURGE_STEP entries a call, so that a large backlog (many documents expiring together) is
-- purged in bounded steps: returns false when more are due, and the caller calls the script again.
-- The purge only removes entries or re-scores them: it never makes Redis grow.
local PURGE_STEP = 1000
local function purgeExpired()
  local now = nowMs()
  local due = redis.call('ZRANGE', prefix .. '@expiry', '-inf', now, 'BYSCORE', 'LIMIT', 0, PURGE_STEP + 1)
  for i = 1, math.min(#due, PURGE_STEP) do
    local pk = due[i]
    local pttl = redis.call('PTTL', keyPrefix .. pk)
    if pttl == -2 then unindex(prefix, pk)
    elseif pttl == -1 then redis.call('ZREM', prefix .. '@expiry', pk)
    else redis.call('ZADD', prefix .. '@expiry', now + pttl, pk) end
  end
  return #due <= PURGE_STEP
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

-- The work a plan makes the script do, estimated from index cardinalities (ZCARD, ZCOUNT, ZLEXCOUNT,
-- each O(log N)) before anything is materialised: members touched, weighted by what touching one costs
-- relative to copying one score-index member (measured: see docs/finders.md, bench/finder-work.bench.ts).
local W = {copy = 1, lex = 2, check = 2, entries = 7, doc = 5, delete = 28}
local instances
local function total()
  if not instances then instances = redis.call('ZCARD', prefix .. '@pk') end
  return instances
end

-- Returns the most members the node's set can hold, the fewest, and the work of building it; mirrors run.
local estimate
local function estimateAnd(node)
  local counts, parts, work = {}, {}, 0
  for i = 2, #node do
    local child = node[i]
    if child[1] == 'score' then
      counts[#counts + 1] = redis.call('ZCOUNT', prefix .. child[2], child[3], child[4])
    else
      local most, _, childWork = estimate(child)
      parts[#parts + 1] = most
      work = work + childWork
    end
  end
  table.sort(counts)
  local next = 1
  if #parts == 0 then
    parts[1] = counts[1]
    work = work + counts[1] * W.copy
    next = 2
  end
  local current = parts[1]
  for _, most in ipairs(parts) do current = math.min(current, most) end
  -- ZINTERSTORE walks its smallest input and looks each member up in the others.
  work = work + current * #parts * W.copy
  for i = next, #counts do
    if current <= counts[i] then work = work + current * W.check
    else
      work = work + (counts[i] + current) * W.copy
      current = counts[i]
    end
  end
  return current, 0, work
end

estimate = function(node)
  local op = node[1]
  if op == 'all' then return total(), total(), 0 end
  if op == 'none' then return 0, 0, 0 end
  if op == 'null' then
    local count = redis.call('ZCARD', prefix .. node[2] .. ':@null')
    return count, count, 0
  end
  if op == 'score' then
    local count = redis.call('ZCOUNT', prefix .. node[2], node[3], node[4])
    return count, count, count * W.copy
  end
  if op == 'lex' then
    local min, max = lexRange(node[3], node[4], node[5], node[6])
    local count = redis.call('ZLEXCOUNT', prefix .. node[2], min, max)
    return count, count, count * W.lex
  end
  if op == 'not' then
    -- ZDIFFSTORE against @pk: every instance is touched.
    local most, fewest, work = estimate(node[2])
    return math.max(0, total() - fewest), math.max(0, total() - most), work + (total() + most) * W.copy
  end
  if op == 'or' then
    local most, fewest, work = 0, 0, 0
    for i = 2, #node do
      local childMost, childFewest, childWork = estimate(node[i])
      most, fewest, work = most + childMost, math.max(fewest, childFewest), work + childWork
    end
    -- ZUNIONSTORE touches every member of every part.
    return math.min(total(), most), fewest, work + most * W.copy
  end
  return estimateAnd(node)
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
 * score or lex), cursor [phase, sort value, pk] or "", first, "1" to count, seconds to refresh TTLs to,
 * the most work allowed.
 * Phases: "v" the items with a value of the order field, "n" those without (null sorts last ascending).
 * Returns {0, work, count or -1, has next page, then pk, document (nil: gone), phase, sort value, ttl
 * (-1: none) per item}; {1, work} when the estimated work is over the limit, before anything is built;
 * {2} when expired entries are still due after a purge step: call it again.
 * No allow-oom flag: over maxmemory, Redis refuses the script before it starts (an OOM error). Once
 * started, what it allocates is bounded by the estimate, and its temporary sets are gone when it returns.
 */
export const FIND = `#!lua
${INDEX_LIBRARY}
${PLAN_LIBRARY}
if not purgeExpired() then return {2} end
local plan, order = cjson.decode(ARGV[4]), cjson.decode(ARGV[5])
local cursor = ARGV[6] ~= '' and cjson.decode(ARGV[6]) or nil
local first, wantCount, refresh, limit = tonumber(ARGV[7]), ARGV[8] == '1', tonumber(ARGV[9]), tonumber(ARGV[10])
local kind, field, asc = order[1], order[2], order[3] == 'ASC'
local all = plan[1] == 'all'

-- First pass: the estimate. Paging off an index costs the page; ordering a built set costs a pass over
-- it (a string order rebuilds its members from @entries), and so does the null phase.
local most, _, work = estimate(plan)
if not all then
  if kind == 'lex' then work = work + most * W.entries else work = work + most * W.copy end
  if kind ~= 'pk' then work = work + most * W.copy end
end
work = work + (first + 1) * W.doc
if work > limit then return {1, work} end

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

local out = {0, work, 0, #items > first and 1 or 0}
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
out[3] = wantCount and redis.call('ZCARD', result) or -1
dropTemps()
return out
`;

/**
 * ARGV: index prefix, key prefix, temp prefix, plan, the most work allowed, the most instances to delete.
 * One step of a delete by where: deletes the first instances of what the plan selects, with their
 * index entries: as many as the work left after selecting allows, up to the step size. Returns {0, work,
 * deleted, selected before the step, taken from the selection}, {1, work} when not even one instance
 * fits, before anything is built, or {2} when expired entries are still due after a purge step.
 * allow-oom: deleting is how memory is freed when Redis is full; what a step allocates first (temporary
 * sets) is bounded by the estimate and dropped before it returns.
 */
export const DELETE_WHERE = `#!lua flags=allow-oom
${INDEX_LIBRARY}
${PLAN_LIBRARY}
if not purgeExpired() then return {2} end
local plan, limit, step = cjson.decode(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local most, _, work = estimate(plan)
step = math.min(step, math.floor((limit - work) / W.delete))
if step < 1 then return {1, work + W.delete} end
work = work + math.min(most, step) * W.delete
local selected = run(plan)
local matched = redis.call('ZCARD', selected)
local pks = redis.call('ZRANGE', selected, 0, step - 1)
local count = 0
for _, pk in ipairs(pks) do
  count = count + redis.call('DEL', keyPrefix .. pk)
  unindex(prefix, pk)
end
dropTemps()
return {0, work, count, matched, #pks}
`;
