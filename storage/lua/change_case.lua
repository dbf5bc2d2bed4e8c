local cur = redis.call("HMGET", KEYS[1], "director", "counsellor", "data")
if cur[3] ~= ARGV[1] then return 0 end
redis.call("HSET", KEYS[1], unpack(ARGV, 2))
return {cur[1] or "", cur[2] or ""}
