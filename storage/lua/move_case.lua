if redis.call("HGET", KEYS[1], "data") ~= ARGV[1] then return 0 end
if redis.call("EXISTS", KEYS[2]) == 1 then return -1 end
redis.call("DEL", KEYS[1])
redis.call("HSET", KEYS[2], unpack(ARGV, 5))
for i = 4, #KEYS do
  redis.call("ZREM", KEYS[i], ARGV[2])
  redis.call("ZADD", KEYS[i], ARGV[4], ARGV[3])
end
local due = redis.call("ZSCORE", KEYS[3], ARGV[2])
if due then
  redis.call("ZREM", KEYS[3], ARGV[2])
  redis.call("ZADD", KEYS[3], due, ARGV[3])
end
return 1
