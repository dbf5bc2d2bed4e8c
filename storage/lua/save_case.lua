local cur = redis.call("HMGET", KEYS[1], "director", "counsellor")
redis.call("HSET", KEYS[1], unpack(ARGV, 3))
for i = 2, #KEYS do redis.call("ZADD", KEYS[i], ARGV[2], ARGV[1]) end
return {cur[1] or "", cur[2] or ""}
