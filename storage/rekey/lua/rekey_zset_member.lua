local score = redis.call("ZSCORE", KEYS[1], ARGV[1])
if not score then return 0 end
redis.call("ZREM", KEYS[1], ARGV[1])
redis.call("ZADD", KEYS[1], score, ARGV[2])
return 1
