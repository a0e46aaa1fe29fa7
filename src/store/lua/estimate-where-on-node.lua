#!lua flags=no-writes,allow-cross-slot-keys
--[[
  What a delete by where would select in each index shard of a model on the cluster node it runs on,
  estimated from index sizes before anything is built (includes/plan): the first pass of a delete on a
  cluster, whose budget is summed over every shard before any is touched.

  Input:
    KEYS              none, to estimate the node's shards of the slots listed; or, for one slot, every
                      index key of its shard and the temporary prefix (which never exists): declared,
                      so that Redis routes the call to the slot's node and holds it while the slot
                      migrates, and the script trusts that routing
    ARGV[1], ARGV[2]  a shard's index prefix, before and after its slot's tag
    ARGV[3], ARGV[4]  a temporary prefix, before and after the tag: a key of the slot that never exists
    ARGV[5]           the plan (JSON, see src/store/indexes/plan.ts)
    ARGV[6..]         the slots' tags

  Output:
    {work of deleting one instance, entries...}: per slot whose shard holds instances,
    {i, most it selects, work of selecting}; per slot this node does not serve settled, {i, -1}.
    A slot whose shard is empty has no entry.
]]
local function named(first, tag) return ARGV[first] .. tag .. ARGV[first + 1] end
local plan = cjson.decode(ARGV[5])
local FIRST_TAG = 6
local routed = #KEYS > 0

--- @include "includes/shard-plan"
--- @include "includes/settled-slot"

local out = {planOn('', '', '').W.delete}
for i = 1, #ARGV - FIRST_TAG + 1 do
  local tag = ARGV[FIRST_TAG + i - 1]
  local prefix = named(1, tag)
  if not routed and not settledHere(named(3, tag)) then
    out[#out + 1] = {i, -1}
  elseif redis.call('EXISTS', prefix .. '@pk') == 1 then
    local most, _, work = planOn(prefix, '', named(3, tag)).estimate(plan)
    out[#out + 1] = {i, most, work}
  end
end
return out
