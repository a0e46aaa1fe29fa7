--[[
  Whether the node a script without declared keys runs on serves a slot, settled: not moved elsewhere,
  not migrating. Such a script may touch several slots of its node (allow-cross-slot-keys), and Redis
  checks each key as it is touched: a key absent from a migrating slot fails the script there, halfway
  through its writes. Reading first a key that never exists tells the same before anything is written:
  Redis answers it only from a slot the node serves settled, so that every key of the slot, present or
  not, can then be touched.

  settledHere(neverKey): true when the node serves neverKey's slot settled; neverKey must not exist.
]]
local function settledHere(neverKey)
  local answer = redis.pcall('EXISTS', neverKey)
  return not (type(answer) == 'table' and answer.err)
end
