#!lua flags=no-writes,allow-cross-slot-keys
--[[
  Reads documents held by the node it runs on, whatever their slots: the MGET of a batch's keys on one
  node of a Redis Cluster, in one command instead of one MGET per slot.

  Input:
    ARGV       the keys, all served by this node; not declared as KEYS, since declared keys must share
               a slot. A key of a slot this node does not serve (moved since the caller's slot map)
               fails the script, which writes nothing, and the caller reads that node's keys by slot.

  Output:
    per key: its text, or false when it is missing or holds another Redis type (as MGET answers)
]]
local out = {}
for i, key in ipairs(ARGV) do
  local text = redis.pcall('GET', key)
  if type(text) == 'table' and text.err then
    -- WRONGTYPE reads as missing; a key this node does not serve is the caller's to read otherwise.
    if string.find(text.err, 'WRONGTYPE', 1, true) then text = false else return redis.error_reply(text.err) end
  end
  out[i] = text
end
return out
