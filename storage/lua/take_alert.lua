if redis.call("EXISTS", KEYS[1]) == 0 then return {-1, "0"} end
if redis.call("HSETNX", KEYS[1], "taken_by", ARGV[1]) == 0 then
  return {0, redis.call("HGET", KEYS[1], "taken_by")}
end
redis.call("HSET", KEYS[1], "taken", ARGV[2])
if redis.call("PTTL", KEYS[1]) > tonumber(ARGV[3]) then redis.call("PEXPIRE", KEYS[1], ARGV[3]) end
redis.call("ZREM", KEYS[2], ARGV[4])
return {1, ARGV[1]}
