--[[
  Every org that holds live leases, with how many: the source of a per-org gauge.

  KEYS[1] the orgs that hold leases (ZSET: orgId -> latest lease expiry)
  ARGV[1] the prefix of the orgs' running-jobs keys (ARGV[1] .. orgId); within one hash tag when
          the prefix has one, like BullMQ's keys built from its prefix inside its scripts

  Orgs whose every lease has expired are dropped from KEYS[1] on the way.
  Returns {orgId1, active1, orgId2, active2, ...}.
]]
local rcall = redis.call
local t = rcall('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
rcall('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local result = {}
for _, orgId in ipairs(rcall('ZRANGE', KEYS[1], 0, -1)) do
  local active = rcall('ZCOUNT', ARGV[1] .. orgId, '(' .. now, '+inf')
  if active > 0 then
    result[#result + 1] = orgId
    result[#result + 1] = active
  end
end
return result
