--[[
  Purging expired entries, and turning a plan (see src/store/indexes/plan.ts) into a sorted set of pks.
  The including script defines the locals `prefix` (the model's index prefix), `keyPrefix` (its
  document key prefix) and `tmpPrefix` (a random prefix for temporary sets) before including this.

  tmp(), dropTemps(): a new temporary set's key; deleting every one made so far.
  purgeExpired(step, now): a purge step of at most `step` entries (default 1000) due by `now` (ms,
    default the server's time); false when more entries are due, and how many it purged.
  estimate(plan): the most members the plan's set can hold, the fewest, and the work of building it.
  run(plan): builds the plan's set, returns its key.
  pkOf(member), addMembers(key, members), W (work weights): shared with the finder's paging.
  nextShard(size): for a script that works over several shards (one per slot of a cluster node), after
    it points `prefix` and `tmpPrefix` at the next one: takes the next shard's size (its `@pk` count)
    when known, and hands back the last shard's temporary sets, whose keys share the last shard's slot.
]]
--- @include "index-entries"
--- @include "now-ms"

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
local function purgeExpired(step, now)
  step, now = step or PURGE_STEP, now or nowMs()
  local due = redis.call('ZRANGE', prefix .. '@expiry', '-inf', now, 'BYSCORE', 'LIMIT', 0, step + 1)
  for i = 1, math.min(#due, step) do
    local pk = due[i]
    local pttl = redis.call('PTTL', keyPrefix .. pk)
    if pttl == -2 then unindex(prefix, pk)
    elseif pttl == -1 then redis.call('ZREM', prefix .. '@expiry', pk)
    else redis.call('ZADD', prefix .. '@expiry', now + pttl, pk) end
  end
  return #due <= step, math.min(#due, step)
end

local function pkOf(member)
  local at = string.find(member, '\0\0', 1, true)
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

-- Byte range of a lex index, whose members are <escaped value>\0\0<pk>, between two bounds.
local function lexRange(lowerOp, lower, upperOp, upper)
  local min, max = '-', '+'
  if lowerOp == 'gte' then min = '[' .. lower .. '\0\0'
  elseif lowerOp == 'gt' then min = '(' .. lower .. '\0\0\255' end
  if upperOp == 'lte' then max = '(' .. upper .. '\0\0\255'
  elseif upperOp == 'lt' then max = '(' .. upper .. '\0\0' end
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

local function nextShard(size)
  local previous = temps
  temps, instances = {}, size
  return previous
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
