#!lua flags=allow-oom
--[[
  One step of a delete by where: deletes the first instances of what the plan selects, with their
  index entries: as many as the work left after selecting allows, up to the step size.

  Input:
    ARGV[1]    the model's index prefix
    ARGV[2]    its document key prefix ("<Model>:")
    ARGV[3]    a random prefix for temporary sets
    ARGV[4]    the plan (JSON, see src/store/indexes/plan.ts)
    ARGV[5]    the most work allowed
    ARGV[6]    the most instances to delete

  Output:
    {0, work, deleted, selected before the step, taken from the selection}; {1, work} when not even
    one instance fits, before anything is built; {2} when expired entries are still due after a purge
    step: call it again.

  allow-oom: deleting is how memory is freed when Redis is full; what a step allocates first
  (temporary sets) is bounded by the estimate and dropped before it returns.
]]
local prefix, keyPrefix, tmpPrefix = ARGV[1], ARGV[2], ARGV[3]
local planJson, limit, step = ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6])

--- @include "includes/index-entries"
--- @include "includes/plan"

if not purgeExpired() then return {2} end
local plan = cjson.decode(planJson)
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
