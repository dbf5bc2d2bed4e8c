-- The updates that arrived at any replica, as a watermark: every update ID
-- up to the mark arrived; the IDs above it that arrived wait in a set until
-- the gap below them closes.
-- KEYS[1] mark (string), KEYS[2] arrived above the mark (sorted set)
-- ARGV[1] update ID, ARGV[2] "1" to force the mark up to ID-1 (the bounded
-- wait passed), ARGV[3] TTL in ms of both keys
-- Returns the mark.
local id = tonumber(ARGV[1])
local mark = tonumber(redis.call('GET', KEYS[1]) or '')
if mark == nil then
  mark = id - 1
end
if ARGV[2] == '1' and mark < id - 1 then
  mark = id - 1
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', mark)
end
if id > mark then
  redis.call('ZADD', KEYS[2], id, ARGV[1])
end
while true do
  local first = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  if #first == 0 or tonumber(first[2]) > mark + 1 then
    break
  end
  mark = math.max(mark, tonumber(first[2]))
  redis.call('ZREM', KEYS[2], first[1])
end
redis.call('SET', KEYS[1], mark, 'PX', ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return mark
