-- The updates that arrived at any replica, as a watermark: every update ID
-- up to the mark arrived; the IDs above it that arrived wait in a set until
-- the gap below them closes. Without a mark (the first update, or the
-- first after a quiet spell) the mark settles for a moment: while the
-- settle key lives, the mark is the lowest arrival less one and no update
-- is let through, so that updates arriving together in another order
-- still go in order.
-- KEYS[1] mark (string), KEYS[2] arrived above the mark (sorted set),
-- KEYS[3] settling (string, expires when the mark is settled)
-- ARGV[1] update ID, ARGV[2] "1" to force the mark up to ID-1 (the bounded
-- wait passed), ARGV[3] TTL in ms of the mark and the set, ARGV[4] settle
-- time in ms (0: none)
-- Returns the mark, or -1 while it settles.
local id = tonumber(ARGV[1])
local mark = tonumber(redis.call('GET', KEYS[1]) or '')
if mark == nil then
  mark = id - 1
  if tonumber(ARGV[4]) > 0 then
    redis.call('SET', KEYS[3], '1', 'PX', ARGV[4])
  end
end
local settling = redis.call('EXISTS', KEYS[3]) == 1
if settling and ARGV[2] == '1' then
  redis.call('DEL', KEYS[3])
  settling = false
end
if settling then
  if id - 1 < mark then
    mark = id - 1
  end
  redis.call('ZADD', KEYS[2], id, ARGV[1])
  redis.call('SET', KEYS[1], mark, 'PX', ARGV[3])
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
  return -1
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
