--[[
  bytesBefore(a, b): whether string a sorts before b byte by byte, as Redis orders members of equal
  score. Lua's own `<` on strings follows the server's locale (strcoll), which need not be byte order.
]]
local function bytesBefore(a, b)
  local n = math.min(#a, #b)
  for i = 1, n, 16 do
    local j = math.min(i + 15, n)
    -- Whole chunks compare as equal without a byte loop: most pks share long prefixes or none.
    if string.sub(a, i, j) ~= string.sub(b, i, j) then
      for k = i, j do
        local x, y = string.byte(a, k), string.byte(b, k)
        if x ~= y then return x < y end
      end
    end
  end
  return #a < #b
end
