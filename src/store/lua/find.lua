#!lua
--[[
  One page of a finder: purges expired entries, selects by the plan (building its set, or walking @pk
  and checking each pk when that costs less), orders, pages, and fetches the page's documents.

  Input:
    KEYS        none on one Redis. On a cluster, for one slot's shard: its `@pk` and the call's first
                temporary set (ARGV[3] .. "1"), which route the call to the slot, and make Redis refuse it
                before it runs (TRYAGAIN) while the slot migrates, since the temporary set is on no node
    ARGV[1]     the model's index prefix
    ARGV[2]     its document key prefix ("<Model>:")
    ARGV[3]     a random prefix for temporary sets
    ARGV[4]     the plan (JSON, see src/store/indexes/plan.ts)
    ARGV[5]     the order (JSON): [kind, field, "ASC"|"DESC"], kind pk, score or lex
    ARGV[6]     the cursor (JSON): [phase, sort value, pk], or ""
    ARGV[7]     first: the page size
    ARGV[8]     "1" to count the matches
    ARGV[9]     seconds to refresh the page's TTLs to ("0": leave them)
    ARGV[10]    the most work allowed

  Phases: "v" the items with a value of the order field, "n" those without (null sorts last ascending).

  Output:
    {0, work, count or -1, has next page, then pk, document (nil: gone), phase, sort value, ttl (-1:
    none) per item}; {1, work} when the estimated work is over the limit, before anything is built;
    {2} when expired entries are still due after a purge step: call it again.

  No allow-oom flag: over maxmemory, Redis refuses the script before it starts (an OOM error). Once
  started, what it allocates is bounded by the estimate, and its temporary sets are gone when it
  returns. Documents are only fetched as text; Lua decodes nothing but the plan, the order, the cursor
  and index entry lists.
]]
local prefix, keyPrefix, tmpPrefix = ARGV[1], ARGV[2], ARGV[3]
local planJson, orderJson, cursorJson = ARGV[4], ARGV[5], ARGV[6]
local first, wantCount, refresh, limit = tonumber(ARGV[7]), ARGV[8] == '1', tonumber(ARGV[9]), tonumber(ARGV[10])

local plan, order = cjson.decode(planJson), cjson.decode(orderJson)
local cursor = cursorJson ~= '' and cjson.decode(cursorJson) or nil
local kind, field, asc = order[1], order[2], order[3] == 'ASC'
local all = plan[1] == 'all'

--- @include "includes/index-entries"
--- @include "includes/now-ms"
--- @include "includes/plan"
--- @include "includes/page-order"

if not purgeExpired() then return {2} end

-- First pass: the estimate. Paging off an index costs the page; ordering a built set costs a pass over
-- it (a string order rebuilds its members from @entries), and so does the null phase.
local most, _, work = estimate(plan)
work = work + orderingWork(most)
work = work + (first + 1) * W.doc
if work > limit then return {1, work} end

local result
local want = first + 1
local items = {}

local function take(pk, phase, sortValue) items[#items + 1] = {pk, phase, sortValue} end

-- Checking one pk against a plan, for the walk below: a ZSCORE per score or null condition. Plans with a
-- string condition are not checked this way (it would need each pk's entries): checkable gives nil for
-- them, and otherwise how many conditions a check may look up.
local function checkable(node)
  local op = node[1]
  if op == 'all' or op == 'none' or op == 'score' or op == 'null' then return 1 end
  if op == 'not' then return checkable(node[2]) end
  if op ~= 'and' and op ~= 'or' then return nil end
  local lookups = 0
  for i = 2, #node do
    local child = checkable(node[i])
    if not child then return nil end
    lookups = lookups + child
  end
  return lookups
end

local function holds(node, pk)
  local op = node[1]
  if op == 'all' then return true end
  if op == 'none' then return false end
  if op == 'null' then return redis.call('ZSCORE', prefix .. node[2] .. ':@null', pk) ~= false end
  if op == 'score' then
    local score = redis.call('ZSCORE', prefix .. node[2], pk)
    return score ~= false and within(tonumber(score), node[3], true) and within(tonumber(score), node[4], false)
  end
  if op == 'not' then return not holds(node[2], pk) end
  local any = op == 'or'
  for i = 2, #node do
    if holds(node[i], pk) == any then return any end
  end
  return not any
end

-- Walks @pk from the cursor (pk order is ascending only), keeping the pks the plan holds for, until the
-- page is full; gives up once the next step would spend more than `room`. Returns whether it filled the
-- page (or ran out of pks), and the work spent.
local function walkPks(after, room, perPk)
  local spent, from = 0, after
  while #items < want do
    local batch = math.max(2 * (want - #items), 16)
    local pks = redis.call('ZRANGE', prefix .. '@pk', from and ('(' .. from) or '-', '+', 'BYLEX', 'LIMIT', 0, batch)
    for _, pk in ipairs(pks) do
      if spent + perPk > room then return false, spent end
      spent = spent + perPk
      if holds(plan, pk) then
        take(pk, 'v', pk)
        if #items == want then return true, spent end
      end
    end
    if #pks < batch then return true, spent end
    from = pks[#pks]
  end
  return true, spent
end

-- A pk-ordered page of a filter need not build the filter's whole set: walking @pk and checking each pk
-- finds it in about want / selectivity steps, where building costs the whole set. The walk is chosen
-- when it is expected to cost less. It never spends more than building would, nor more than the room
-- the estimate left under the limit: past that (the matches lie further on than expected, as when pk
-- order follows the filter), the set is built after all, so that a page costs at most twice its
-- build and never more than the limit. Counting every match needs the set, so a page with totalCount
-- is built.
local walked = false
local lookups = kind == 'pk' and not all and not wantCount and most > 0 and checkable(plan)
if lookups then
  local perPk = lookups * W.check + W.copy
  local expected = math.ceil(want * total() / most) * perPk
  local docs = want * W.doc
  local room = math.min(limit - work, work - docs)
  if expected <= room then
    local filled, spent = walkPks(cursor and cursor[2], room, perPk)
    if filled then
      walked, work = true, spent + docs
    else
      items, work = {}, work + spent
    end
  end
end
if not walked then result = run(plan) end

-- A phase pages only while the page has room: the null phase's set is not built for a full page.
local function page(phase, after)
  local n = want - #items
  if n <= 0 then return end
  pageFrom(phase == 'v' and valuedSource(result) or nullSource(result), phase, after, n, take)
end

-- A walk has the page in items already.
if not walked then eachPhase(cursor, page) end

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
  appendItem(out, pk, doc, phase, sortValue, ttl)
end
-- Counted last, after any entry dropped above.
out[3] = wantCount and redis.call('ZCARD', result) or -1
dropTemps()
return out
