redis.call("DEL", KEYS[1])
redis.call("HSET", KEYS[1], unpack(ARGV))
return 1
