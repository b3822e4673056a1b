--[[
  How many jobs of one org hold a live lease.

  KEYS[1] the org's running jobs (ZSET: jobId -> lease expiry, ms)
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZCOUNT', KEYS[1], '(' .. now, '+inf')
