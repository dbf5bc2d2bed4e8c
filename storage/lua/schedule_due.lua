if redis.call("EXISTS", KEYS[1]) == 0 then return 0 end
redis.call("ZADD", KEYS[2], ARGV[1], ARGV[2])
return 1
