redis.call("SET", KEYS[1], ARGV[1], "PXAT", ARGV[2])
if KEYS[2] then
  local t = redis.call("TIME")
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  redis.call("ZREMRANGEBYSCORE", KEYS[2], "-inf", "(" .. now)
  redis.call("ZADD", KEYS[2], ARGV[2], ARGV[3])
  local last = redis.call("ZRANGE", KEYS[2], -1, -1, "WITHSCORES")
  if last[2] then redis.call("PEXPIREAT", KEYS[2], last[2]) end
end
return 1
