if redis.call("EXISTS", KEYS[1]) == 0 then return 0 end
local rev = tonumber(redis.call("HGET", KEYS[1], "rev") or "0")
if rev ~= tonumber(ARGV[3]) then return -1 end
redis.call("HSET", KEYS[1], "level", ARGV[1], "data", ARGV[2], "rev", rev + 1)
if redis.call("HEXISTS", KEYS[1], "taken_by") == 1 then return 2 end
return 1
