-- One chat's updates that arrived and are not applied yet, and the last
-- one applied.
-- KEYS[1] pending (sorted set of update IDs), KEYS[2] applied (string)
-- ARGV[1] update ID, ARGV[2] "1" to drop the earlier pending ones (the
-- bounded wait passed), ARGV[3] TTL in ms of both keys
-- Returns 1 when it is this update's turn: no earlier update of the chat
-- is pending. An update at or below the last applied one is not recorded
-- (a redelivery, or one that came after the wait for it passed).
local id = tonumber(ARGV[1])
local applied = tonumber(redis.call('GET', KEYS[2]) or '-1')
if ARGV[2] == '1' then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. id)
end
if id > applied then
  redis.call('ZADD', KEYS[1], id, ARGV[1])
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #first == 0 or tonumber(first[2]) >= id then
  return 1
end
return 0
