--[[
  One step of a delete by where on one index shard: deletes the first instances of what the plan
  selects, with their index entries: as many as the work left after selecting allows, up to the step
  size. All of it happens in the shard's slot, so a step is all or nothing there.

  deleteStep(prefix, keyPrefix, tmpPrefix, plan, limit, step): the step's reply, as delete-where.lua
    answers it; `plan` is decoded, `limit` the most work, `step` the most instances.
  recordedStep(recordKey, recordMs, reply): records a step that deleted something (includes/write-record),
    and returns its reply.
]]
--- @include "shard-plan"
--- @include "write-record"

local function deleteStep(prefix, keyPrefix, tmpPrefix, plan, limit, step)
  local shard = planOn(prefix, keyPrefix, tmpPrefix)
  if not shard.purgeExpired() then return {2} end
  local most, _, work = shard.estimate(plan)
  local perDelete = shard.W.delete
  step = math.min(step, math.floor((limit - work) / perDelete))
  if step < 1 then return {1, work + perDelete} end
  work = work + math.min(most, step) * perDelete
  local selected = shard.run(plan)
  local matched = redis.call('ZCARD', selected)
  local pks = redis.call('ZRANGE', selected, 0, step - 1)
  local count = 0
  for _, pk in ipairs(pks) do
    count = count + redis.call('DEL', keyPrefix .. pk)
    unindex(prefix, pk)
  end
  shard.dropTemps()
  return {0, work, count, matched, #pks}
end

-- Only a step that deleted is recorded: one that deleted nothing may run again, as a refusal may.
local function recordedStep(recordKey, recordMs, reply)
  if reply[1] == 0 and reply[3] > 0 then record(recordKey, reply, recordMs) end
  return reply
end
