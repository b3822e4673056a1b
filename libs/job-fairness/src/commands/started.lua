--[[
  A job with this priority has started: the virtual clock moves up to it (never down).

  KEYS[1] the queue's virtual clock (HASH: clock, highest, ...)
  ARGV[1] the started job's priority

  A priority above the highest handed out since the last rebase belongs to a job priced before it
  (a retry or a delayed job) and is ignored, so it cannot drag the renumbered clock back up.
  Returns the clock.
]]
local rcall = redis.call
local priority = tonumber(ARGV[1])
local clock = tonumber(rcall('HGET', KEYS[1], 'clock') or '0')
local highest = tonumber(rcall('HGET', KEYS[1], 'highest') or '0')
if priority > clock and priority <= highest then
  clock = priority
  rcall('HSET', KEYS[1], 'clock', clock)
end
return clock
