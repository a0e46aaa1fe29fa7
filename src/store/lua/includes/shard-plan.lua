--[[
  The functions of includes/plan bound to one index shard, for scripts that walk several shards (the
  slots of a cluster node): each call makes them afresh, so that one shard's temporary sets and counts
  never leak into the next's.

  planOn(prefix, keyPrefix, tmpPrefix): {purgeExpired, estimate, run, dropTemps, W} for the shard at
    prefix, whose documents are at keyPrefix .. pk, with temporary sets under tmpPrefix.
]]
--- @include "index-entries"
--- @include "now-ms"

local function planOn(prefix, keyPrefix, tmpPrefix)
--- @include "plan"
  return {purgeExpired = purgeExpired, estimate = estimate, run = run, dropTemps = dropTemps, W = W}
end
