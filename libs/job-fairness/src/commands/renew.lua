--[[
  Extends a job's live lease.

  KEYS[1] the org's running jobs (ZSET: jobId -> lease expiry, ms)
  KEYS[2] the orgs that hold leases (ZSET: orgId -> latest lease expiry)
  ARGV[1] jobId
  ARGV[2] orgId
  ARGV[3] lease, ms

  Returns 1, or 0 when the job holds no live lease (it expired or was released): the slot may
  already be someone else's, and the caller should acquire again.
]]
local rcall = redis.call
local t = rcall('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local current = rcall('ZSCORE', KEYS[1], ARGV[1])
if current == false or tonumber(current) <= now then
  return 0
end
local expiry = now + tonumber(ARGV[3])
rcall('ZADD', KEYS[1], 'XX', expiry, ARGV[1])
local last = rcall('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
rcall('PEXPIREAT', KEYS[1], tonumber(last[2]) + 1000)
local latest = rcall('ZSCORE', KEYS[2], ARGV[2])
if latest == false or tonumber(latest) < expiry then
  rcall('ZADD', KEYS[2], expiry, ARGV[2])
end
return 1
