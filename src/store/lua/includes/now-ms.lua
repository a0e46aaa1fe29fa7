--[[
  nowMs(): the server's time in milliseconds, from TIME.
]]
local function nowMs()
  local now = redis.call('TIME')
  return now[1] * 1000 + math.floor(now[2] / 1000)
end
