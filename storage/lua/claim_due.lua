local due = redis.call("ZRANGEBYSCORE", KEYS[1], "-inf", ARGV[1], "LIMIT", 0, ARGV[3])
for i, m in ipairs(due) do redis.call("ZADD", KEYS[1], ARGV[2] - (#due - i) / 1024, m) end
return due
