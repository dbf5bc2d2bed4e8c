if redis.call("EXISTS", KEYS[1]) == 0 then
  redis.call("ZREM", KEYS[2], ARGV[1])
  return 0
end
local rev = tonumber(redis.call("HGET", KEYS[1], "rev") or "0")
if rev ~= tonumber(ARGV[5]) then return -1 end
redis.call("HSET", KEYS[1], "level", ARGV[3], "data", ARGV[4], "rev", rev + 1)
if ARGV[2] == "" or redis.call("HEXISTS", KEYS[1], "taken_by") == 1 then
  redis.call("ZREM", KEYS[2], ARGV[1])
else
  redis.call("ZADD", KEYS[2], ARGV[2], ARGV[1])
end
return 1
