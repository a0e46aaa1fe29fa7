--[[
  A write's record: the reply of a script that changed data, kept for a while under a key of the
  caller's choosing (keyspace.ts, writeRecordKey), in the slot of what it changed. A script re-sent
  after its reply was lost (a client's resend on failover) finds the record and answers it instead of
  running again.

  recordedReply(key): the recorded reply (a list of integers), or nil; nil for a nil key.
  record(key, reply, ms): records the reply for ms milliseconds; nothing for a nil key.
]]
local function recordedReply(key)
  if not key then return nil end
  local recorded = redis.call('GET', key)
  if not recorded then return nil end
  -- A write that replicas receive, though it changes nothing: a WAIT behind this call (writeConcern
  -- REPLICA) counts replicas up to the connection's last write, which from Redis 7.2 moves only when a
  -- command reaches the replicas. Without it, a re-sent write would be acknowledged for the WAIT of an
  -- older one, or of none.
  redis.call('PEXPIRE', key, redis.call('PTTL', key))
  local reply = {}
  for value in string.gmatch(recorded, '[^,]+') do reply[#reply + 1] = tonumber(value) end
  return reply
end

local function record(key, reply, ms)
  if key then redis.call('SET', key, table.concat(reply, ','), 'PX', ms) end
end
