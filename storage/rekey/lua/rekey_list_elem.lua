if redis.call("LINDEX", KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call("LSET", KEYS[1], ARGV[1], ARGV[3])
return 1
