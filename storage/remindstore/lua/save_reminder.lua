local rev = tonumber(redis.call("HGET", KEYS[1], "rev") or "0")
if rev ~= tonumber(ARGV[1]) then return -1 end
redis.call("HSET", KEYS[1], "data", ARGV[2], "rev", rev + 1)
if tonumber(ARGV[3]) > 0 then
  redis.call("PEXPIRE", KEYS[1], ARGV[3])
else
  redis.call("PERSIST", KEYS[1])
end
return rev + 1
