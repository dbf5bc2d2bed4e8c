local cur = redis.call("HMGET", KEYS[1], "director", "counsellor")
redis.call("HSET", KEYS[1], unpack(ARGV))
return {cur[1] or "", cur[2] or ""}
