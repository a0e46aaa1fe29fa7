#!lua flags=allow-oom
--[[
  One step of a delete by where on one index shard: deletes the first instances of what the plan
  selects, with their index entries: as many as the work left after selecting allows, up to the step
  size.

  Input:
    KEYS       every index key of the shard, then the temporary prefix, then, with a record lifetime,
               the step's record: declared only, so that on a cluster a slot on the move answers
               TRYAGAIN or a redirection before anything is deleted (the temporary prefix and the
               record never exist, so Redis always finds the slot unsettled then)
    ARGV[1]    the model's index prefix (the shard's)
    ARGV[2]    its document key prefix ("<Model>:")
    ARGV[3]    a random prefix for temporary sets
    ARGV[4]    the plan (JSON, see src/store/indexes/plan.ts)
    ARGV[5]    the most work allowed
    ARGV[6]    the most instances to delete
    ARGV[7]    recordMs: how long to keep the step's record, in ms ("0": no record). A call whose record
               exists answers the recorded reply and deletes nothing, so that a step re-sent after its
               reply was lost reports what its first run deleted

  Output:
    {0, work, deleted, selected before the step, taken from the selection}; {1, work} when not even
    one instance fits, before anything is built; {2} when expired entries are still due after a purge
    step: call it again.

  allow-oom: deleting is how memory is freed when Redis is full; what a step allocates first
  (temporary sets) is bounded by the estimate and dropped before it returns.
]]
local prefix, keyPrefix, tmpPrefix = ARGV[1], ARGV[2], ARGV[3]
local planJson, limit, step = ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6])
local recordMs = tonumber(ARGV[7])

--- @include "includes/delete-step"

local recordKey = recordMs > 0 and KEYS[#KEYS] or nil
local recorded = recordedReply(recordKey)
if recorded then return recorded end
return recordedStep(recordKey, recordMs, deleteStep(prefix, keyPrefix, tmpPrefix, cjson.decode(planJson), limit, step))
