--[[
  Gives a job's slot back.

  KEYS[1] the org's running jobs (ZSET: jobId -> lease expiry, ms)
  KEYS[2] the orgs that hold leases (ZSET: orgId -> latest lease expiry)
  KEYS[3..] optional: keys of the caller's that end with the job (its checkpoint), deleted in the
            same step, so a finished job costs one round trip here
  ARGV[1] jobId
  ARGV[2] orgId

  Returns 1 when the job held a slot, 0 otherwise (already released, or its lease expired and was
  dropped). Tokens spent are not given back: the rate limits starts, not running time.
]]
local rcall = redis.call
local removed = rcall('ZREM', KEYS[1], ARGV[1])
if rcall('ZCARD', KEYS[1]) == 0 then
  rcall('ZREM', KEYS[2], ARGV[2])
end
for i = 3, #KEYS do
  rcall('DEL', KEYS[i])
end
return removed
