local cur = redis.call("HMGET", KEYS[1], "director", "counsellor")
redis.call("DEL", KEYS[1], KEYS[2])
return {cur[1] or "", cur[2] or ""}
