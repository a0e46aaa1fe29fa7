#!lua flags=allow-cross-slot-keys
--[[
  A finder page over every shard of a model that one node of a Redis Cluster serves. A cluster keeps a
  model's indexes per slot, beside their documents, under `<prefix before><slot tag><prefix after>`;
  this runs find.lua's selection and ordering in each shard of the node and merges the shards' items in
  page order, so that a page costs one call per node however many slots hold the model.

  No key is declared (the keys of one call must share a slot) and each command stays within one slot,
  as allow-cross-slot-keys requires. A slot the node does not serve (moved since the caller's slot map)
  or is migrating is not touched: its tag comes back in "elsewhere", for the caller to read slot by slot
  with find.lua, which declares its keys and so is redirected or refused (TRYAGAIN) before it runs.

  Input:
    ARGV[1]     "estimate": estimate the work and list the shards that hold instances, changing nothing;
                "page": purge, select, order, page and fetch the page's documents
    ARGV[2]     a shard's index prefix before its slot's tag, ARGV[3] after it
    ARGV[4]     a temporary set's prefix before the slot's tag, ARGV[5] after it (random per call)
    ARGV[6]     the document key prefix ("<Model>:")
    ARGV[7]     the slots to read, as "<slot>:<tag>" separated by commas
    ARGV[8]     the plan (JSON, see src/store/indexes/plan.ts)
    ARGV[9]     the order (JSON): [kind, field, "ASC"|"DESC"], kind pk, score or lex
    ARGV[10]    the cursor (JSON): [phase, sort value, pk], or ""
    ARGV[11]    first: the page size
    ARGV[12]    "1" to count the matches
    ARGV[13]    the most work allowed ("page" only)

  Output:
    estimate: {0, work, the slots that hold instances ("<slot>:<tag>,..."), the slots elsewhere ("<slot>,...")}
    page: {0, work, count or -1, has next page, the slots elsewhere, then pk, document (nil: gone), phase,
    sort value, ttl (-1: none) per item, at most `first` of them}; {1, work} when the estimated work is
    over the limit, before anything is built; {2} when expired entries are still due after a purge step
    (at most 1000 entries over all shards): call it again.

  TTLs are read, never refreshed: only the items the caller keeps from the merge of every node are its
  page, and it refreshes those.
]]
local mode = ARGV[1]
local prefixBefore, prefixAfter, tmpBefore, tmpAfter, keyPrefix = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local slotList, planJson, orderJson, cursorJson = ARGV[7], ARGV[8], ARGV[9], ARGV[10]
local first, wantCount, limit = tonumber(ARGV[11]), ARGV[12] == '1', tonumber(ARGV[13])

local plan, order = cjson.decode(planJson), cjson.decode(orderJson)
local cursor = cursorJson ~= '' and cjson.decode(cursorJson) or nil
local kind, field, asc = order[1], order[2], order[3] == 'ASC'
local all = plan[1] == 'all'
-- The shard being worked on: plan and page-order read these.
local prefix, tmpPrefix

--- @include "includes/index-entries"
--- @include "includes/now-ms"
--- @include "includes/plan"
--- @include "includes/page-order"
--- @include "includes/byte-order"

-- Each shard costs a few commands whatever its size: its probe, purge check, estimate and first fetch.
local SHARD_WORK = 4

-- Slots this node is migrating or importing: a key may be on either side, so none is read here.
local moving = {}
for line in string.gmatch(redis.call('CLUSTER', 'NODES'), '[^\n]+') do
  if string.find(line, 'myself', 1, true) then
    for slot in string.gmatch(line, '%[(%d+)%-[<>]%-') do moving[slot] = true end
  end
end

-- The shards to work on: those this node serves and that hold instances. A shard costs a few commands
-- whatever its size, so each is asked as little as it can be: its size once, then the plan's counts.
local shards, elsewhere = {}, {}
for slot, tag in string.gmatch(slotList, '(%d+):([^,]+)') do
  local shardPrefix = prefixBefore .. tag .. prefixAfter
  local size = not moving[slot] and redis.pcall('ZCARD', shardPrefix .. '@pk')
  if type(size) ~= 'number' then elsewhere[#elsewhere + 1] = slot
  elseif size > 0 then shards[#shards + 1] = {slot = slot, tag = tag, prefix = shardPrefix, size = size} end
end

local function enter(shard)
  prefix, tmpPrefix = shard.prefix, tmpBefore .. shard.tag .. tmpAfter
  nextShard(shard.size)
end

local function estimateAll()
  local work = #shards * SHARD_WORK + (first + 1) * W.doc
  for _, shard in ipairs(shards) do
    enter(shard)
    local most, _, shardWork = estimate(plan)
    work = work + shardWork + orderingWork(most)
  end
  return work
end

if mode == 'estimate' then
  local held = {}
  for i, shard in ipairs(shards) do held[i] = shard.slot .. ':' .. shard.tag end
  return {0, estimateAll(), table.concat(held, ','), table.concat(elsewhere, ',')}
end

-- One purge step over every shard together. A shard whose purge removed entries has its size read again.
local purgeLeft, now = PURGE_STEP, nowMs()
for _, shard in ipairs(shards) do
  enter(shard)
  local done, purged = purgeExpired(purgeLeft, now)
  if not done then return {2} end
  if purged > 0 then shard.size = redis.call('ZCARD', shard.prefix .. '@pk') end
  purgeLeft = purgeLeft - purged
end

local work = estimateAll()
if work > limit then return {1, work} end

-- Each shard's phases in page order, from the cursor: a phase is {source, phase, position after}.
local function phasesOf(result)
  local phases = {}
  eachPhase(cursor, function(phase, after)
    local source = phase == 'v' and valuedSource(result) or nullSource(result)
    phases[#phases + 1] = {source, phase, after}
  end)
  return phases
end

for _, shard in ipairs(shards) do
  enter(shard)
  shard.result = run(plan)
  shard.phases, shard.phase = phasesOf(shard.result), 1
  shard.temps = nextShard()
end

-- Shards are read a few items at a time and refilled as the merge takes their items, in batches that
-- double: a page reads about `first` items plus a couple per shard, not `first` per shard.
local want = first + 1
local batch = math.max(1, math.ceil(want / math.max(#shards, 1))) + 1

local function refill(shard)
  shard.items, shard.at = {}, 1
  local function take(pk, phase, sortValue) shard.items[#shard.items + 1] = {pk, phase, sortValue, shard} end
  local n = shard.batch
  while #shard.items < n and shard.phase <= #shard.phases do
    local current = shard.phases[shard.phase]
    local asked = n - #shard.items
    local got = pageFrom(current[1], current[2], current[3], asked, take)
    local last = shard.items[#shard.items]
    if got > 0 then current[3] = {last[2], last[3], last[1]} end
    if got < asked then shard.phase = shard.phase + 1 end
  end
  shard.batch = math.min(2 * shard.batch, want)
end

-- Whether item a comes before item b in page order: phase, then sort value (a score by number, ties by
-- pk), as Redis orders each shard's sets.
local function before(a, b)
  if a[2] ~= b[2] then return (a[2] == 'v') == asc end
  local x, y = a[3], b[3]
  if a[2] == 'v' and kind == 'score' then
    local s, t = tonumber(x), tonumber(y)
    if s ~= t then return (s < t) == asc end
    x, y = a[1], b[1]
  end
  if asc then return bytesBefore(x, y) end
  return bytesBefore(y, x)
end

-- A binary heap of the shards that have items left, by their next item.
local heap = {}
local function head(shard) return shard.items[shard.at] end
local function less(i, j) return before(head(heap[i]), head(heap[j])) end
local function swap(i, j) heap[i], heap[j] = heap[j], heap[i] end
local function up(i)
  while i > 1 and less(i, math.floor(i / 2)) do
    swap(i, math.floor(i / 2))
    i = math.floor(i / 2)
  end
end
local function down(i)
  while true do
    local smallest, l, r = i, 2 * i, 2 * i + 1
    if l <= #heap and less(l, smallest) then smallest = l end
    if r <= #heap and less(r, smallest) then smallest = r end
    if smallest == i then return end
    swap(i, smallest)
    i = smallest
  end
end

for _, shard in ipairs(shards) do
  shard.batch = batch
  refill(shard)
  if head(shard) then
    heap[#heap + 1] = shard
    up(#heap)
  end
end

local items = {}
while #items < want and #heap > 0 do
  local shard = heap[1]
  items[#items + 1] = head(shard)
  shard.at = shard.at + 1
  if not head(shard) then refill(shard) end
  if head(shard) then down(1)
  else
    heap[1] = heap[#heap]
    heap[#heap] = nil
    if #heap > 0 then down(1) end
  end
end

local out = {0, work, 0, #items > first and 1 or 0, table.concat(elsewhere, ',')}
for i = 1, math.min(#items, first) do
  local pk, phase, sortValue, shard = items[i][1], items[i][2], items[i][3], items[i][4]
  local key = keyPrefix .. pk
  local doc = redis.call('GET', key)
  local ttl = -2
  if doc then ttl = redis.call('TTL', key)
  else
    -- Removed behind the gateway's back: as find.lua does, drop its entries and keep its position.
    unindex(shard.prefix, pk)
  end
  appendItem(out, pk, doc, phase, sortValue, ttl)
end
-- Counted last, after any entry dropped above.
local count = 0
for _, shard in ipairs(shards) do
  if wantCount then count = count + redis.call('ZCARD', shard.result) end
  if #shard.temps > 0 then redis.call('DEL', unpack(shard.temps)) end
end
out[3] = wantCount and count or -1
return out
