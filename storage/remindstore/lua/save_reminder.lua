local rev = tonumber(redis.call("HGET", KEYS[1], "rev") or "0")
if rev ~= tonumber(ARGV[2]) then return -1 end
redis.call("HSET", KEYS[1], "staff", ARGV[5], "key", ARGV[6], "data", ARGV[3], "rev", rev + 1)
redis.call("SADD", KEYS[3], ARGV[1])
redis.call("SADD", KEYS[4], ARGV[1])
if ARGV[4] == "" then
  redis.call("ZREM", KEYS[2], ARGV[1])
else
  redis.call("ZADD", KEYS[2], ARGV[4], ARGV[1])
end
if tonumber(ARGV[7]) > 0 then
  redis.call("PEXPIRE", KEYS[1], ARGV[7])
else
  redis.call("PERSIST", KEYS[1])
end
return rev + 1
