if redis.call("SISMEMBER", KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call("SREM", KEYS[1], ARGV[1])
redis.call("SADD", KEYS[1], ARGV[2])
return 1
