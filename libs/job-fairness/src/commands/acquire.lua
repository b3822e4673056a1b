--[[
  Takes a running slot for one job of one org: concurrency limit, then token bucket, atomically.

  KEYS[1] the org's running jobs (ZSET: jobId -> lease expiry, ms)
  KEYS[2] the org's token bucket (HASH: tokens, at)
  KEYS[3] the orgs that hold leases (ZSET: orgId -> latest lease expiry), for snapshots
  ARGV[1] jobId
  ARGV[2] orgId
  ARGV[3] concurrency (0 = unlimited)
  ARGV[4] rate, tokens per second (0 = unlimited)
  ARGV[5] burst (bucket size)
  ARGV[6] lease, ms
  ARGV[7] longest wait suggested for a concurrency refusal, ms
  Optional, when the job starts once the slot is taken (`acquireAndStart`: one round trip, not three):
  KEYS[4] the queue's virtual clock (HASH: clock, highest, ...): moved up to ARGV[8] as started.lua does
  KEYS[5] a caller's ZSET of jobs not started yet: ARGV[9] is removed from it
  ARGV[8] the job's priority (below 1: unprioritized, the clock does not move)
  ARGV[9] the job's member of KEYS[5]

  Time is the server's (TIME), so every worker agrees on lease expiry and refill.
  Returns {1} when the slot is taken (or the job already held a live one: it is renewed and counts
  once, and no token is spent), {0, retryInMs, 'concurrency' | 'rate'} otherwise; KEYS[4] and
  KEYS[5] are touched only when the slot is taken.
]]
local rcall = redis.call
local t = rcall('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local jobId = ARGV[1]
local concurrency = tonumber(ARGV[3])
local rate = tonumber(ARGV[4])
local burst = tonumber(ARGV[5])
local expiry = now + tonumber(ARGV[6])

local function hold()
  rcall('ZADD', KEYS[1], expiry, jobId)
  local last = rcall('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
  rcall('PEXPIREAT', KEYS[1], tonumber(last[2]) + 1000)
  local latest = rcall('ZSCORE', KEYS[3], ARGV[2])
  if latest == false or tonumber(latest) < expiry then
    rcall('ZADD', KEYS[3], expiry, ARGV[2])
  end
  if KEYS[4] then
    -- The rule of started.lua: up, never down, and never past the highest priority handed out.
    local priority = tonumber(ARGV[8])
    local clock = rcall('HMGET', KEYS[4], 'clock', 'highest')
    if priority >= 1 and priority > tonumber(clock[1] or '0') and priority <= tonumber(clock[2] or '0') then
      rcall('HSET', KEYS[4], 'clock', priority)
    end
  end
  if KEYS[5] then
    rcall('ZREM', KEYS[5], ARGV[9])
  end
end

-- Leases of workers that died without releasing.
rcall('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)

if rcall('ZSCORE', KEYS[1], jobId) then
  hold()
  return {1}
end

if concurrency > 0 then
  local running = rcall('ZCARD', KEYS[1])
  if running >= concurrency then
    local first = rcall('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
    local untilExpiry = tonumber(first[2]) - now
    return {0, math.max(1, math.min(untilExpiry, tonumber(ARGV[7]))), 'concurrency'}
  end
end

if rate > 0 then
  local bucket = rcall('HMGET', KEYS[2], 'tokens', 'at')
  local tokens = burst
  if bucket[1] then
    tokens = math.min(burst, tonumber(bucket[1]) + (now - tonumber(bucket[2])) * rate / 1000)
  end
  if tokens < 1 then
    return {0, math.max(1, math.ceil((1 - tokens) * 1000 / rate)), 'rate'}
  end
  rcall('HSET', KEYS[2], 'tokens', tokens - 1, 'at', now)
  -- A bucket left alone refills to full: after that long it need not be kept.
  rcall('PEXPIRE', KEYS[2], math.ceil(burst * 1000 / rate) + 1000)
end

hold()
return {1}
