--[[
  Takes a lock if it is free.

  Input:
    KEYS[1]    the lock
    KEYS[2]    the fencing counter
    KEYS[3]    the acquisition's record, in the lock's slot
    ARGV[1]    the holder's value
    ARGV[2]    the lease in ms
    ARGV[3]    recordMs: how long to keep the record of an acquisition, in ms. A call whose record
               exists answers it: an acquisition re-sent after its reply was lost gets its token,
               rather than finding the lock taken (by itself) and waiting for it
    ARGV[4]    withEpoch: "1" on a Redis Cluster node, to answer the node's config epoch (CLUSTER
               INFO's cluster_my_epoch) beside the counter; "0" on one Redis, which has no epoch.
               A replica promoted by a failover, or a node that imported the slot, has a higher
               epoch than the node before it, so (epoch, counter) grows across failover even when
               the counter's last increments were lost with the old primary

  Output:
    {counter, server time in ms, epoch} when taken (epoch 0 without withEpoch), else {0, pttl left}
]]
local lockKey, fenceKey, recordKey = KEYS[1], KEYS[2], KEYS[3]
local value, leaseMs, recordMs, withEpoch = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4] == '1'

--- @include "includes/now-ms"
--- @include "includes/write-record"

local function epoch()
  if not withEpoch then return 0 end
  return tonumber(string.match(redis.call('CLUSTER', 'INFO'), 'cluster_my_epoch:(%d+)'))
end

local recorded = recordedReply(recordKey)
if recorded then return recorded end
if redis.call('SET', lockKey, value, 'NX', 'PX', leaseMs) then
  local taken = {redis.call('INCR', fenceKey), nowMs(), epoch()}
  record(recordKey, taken, recordMs)
  return taken
end
return {0, redis.call('PTTL', lockKey)}
