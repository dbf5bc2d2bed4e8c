-- An update of a chat was applied: it leaves the pending set and moves the
-- last applied ID up.
-- KEYS[1] pending (sorted set), KEYS[2] applied (string)
-- ARGV[1] update ID, ARGV[2] TTL in ms of both keys
local id = tonumber(ARGV[1])
redis.call('ZREM', KEYS[1], ARGV[1])
local applied = tonumber(redis.call('GET', KEYS[2]) or '-1')
if id > applied then
  applied = id
end
redis.call('SET', KEYS[2], applied, 'PX', ARGV[2])
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return applied
