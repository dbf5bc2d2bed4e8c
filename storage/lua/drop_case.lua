if redis.call("HGET", KEYS[1], "data") ~= ARGV[1] then return 0 end
redis.call("DEL", KEYS[1])
return 1
