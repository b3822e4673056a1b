--[[
  The BullMQ priority of an org's next job: start-time fair queuing.

  KEYS[1] the queue's virtual clock (HASH: clock, highest, rebases, clamped)
  KEYS[2] each org's next virtual start (HASH: orgId -> next)
  ARGV[1] orgId
  ARGV[2] the highest priority BullMQ accepts (2^21 - 1)
  ARGV[3] rebase threshold: once the clock reaches it and every priority handed out has been
          reached by the clock (the queue is drained), numbering starts again at 1

  Returns the priority: start = max(org's next, clock, 1), clamped to ARGV[2]; the org's next
  becomes start + 1, so an org with a deep backlog lines its jobs up far ahead of the clock while
  an org arriving later starts at the clock and interleaves with it.
]]
local rcall = redis.call
local limit = tonumber(ARGV[2])
local clock = tonumber(rcall('HGET', KEYS[1], 'clock') or '0')
local highest = tonumber(rcall('HGET', KEYS[1], 'highest') or '0')

if clock >= tonumber(ARGV[3]) and highest <= clock then
  rcall('DEL', KEYS[2])
  clock = 0
  highest = 0
  rcall('HINCRBY', KEYS[1], 'rebases', 1)
end

local start = math.max(tonumber(rcall('HGET', KEYS[2], ARGV[1]) or '0'), clock, 1)
if start > limit then
  start = limit
  rcall('HINCRBY', KEYS[1], 'clamped', 1)
end
rcall('HSET', KEYS[2], ARGV[1], start + 1)
if start > highest then
  highest = start
end
rcall('HSET', KEYS[1], 'clock', clock, 'highest', highest)
return start
