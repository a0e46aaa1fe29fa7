#!lua flags=allow-oom,allow-cross-slot-keys
--[[
  Steps of a delete by where over several index shards of the cluster node it runs on, one step per
  slot, each all or nothing within its slot (includes/delete-step): one command per node instead of
  one per slot.

  Input:
    KEYS              none: the keys of different slots cannot be declared together
    ARGV[1]           the model's document key prefix ("<Model>:")
    ARGV[2], ARGV[3]  a shard's index prefix, before and after its slot's tag
    ARGV[4], ARGV[5]  the step's temporary prefix, before and after the tag
    ARGV[6], ARGV[7]  the step's record key, before and after the tag
    ARGV[8]           recordMs: how long to keep each step's record, in ms; a slot whose record exists
                      answers it and deletes nothing more
    ARGV[9]           the plan (JSON, see src/store/indexes/plan.ts)
    ARGV[7 + 3i]      slot i's tag; ARGV[8 + 3i] its most work; ARGV[9 + 3i] its most instances

  Output:
    per slot, delete-where.lua's reply for its step, or {3} when this node does not serve the slot
    as settled (it moved, or is migrating): nothing was done there, and the caller sends that slot's
    step on its own, with its keys declared, which Redis redirects or delays before it runs.
]]
local keyPrefix = ARGV[1]
local function named(first, tag) return ARGV[first] .. tag .. ARGV[first + 1] end
local recordMs = tonumber(ARGV[8])
local plan = cjson.decode(ARGV[9])
local FIRST_SLOT = 10
local function tagOf(i) return ARGV[FIRST_SLOT + 3 * (i - 1)] end
local function limitOf(i) return tonumber(ARGV[FIRST_SLOT + 3 * (i - 1) + 1]) end
local function stepOf(i) return tonumber(ARGV[FIRST_SLOT + 3 * (i - 1) + 2]) end

--- @include "includes/delete-step"
--- @include "includes/settled-slot"

local out = {}
for i = 1, (#ARGV - FIRST_SLOT + 1) / 3 do
  local tag = tagOf(i)
  local tmpPrefix = named(4, tag)
  if not settledHere(tmpPrefix) then
    out[i] = {3}
  else
    local recordKey = named(6, tag)
    out[i] = recordedReply(recordKey)
      or recordedStep(recordKey, recordMs, deleteStep(named(2, tag), keyPrefix, tmpPrefix, plan, limitOf(i), stepOf(i)))
  end
end
return out
