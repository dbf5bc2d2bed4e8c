if redis.call("EXISTS", KEYS[1]) == 0 then return {-1, ""} end
if redis.call("HSETNX", KEYS[1], "taken_by", ARGV[1]) == 0 then
  return {0, redis.call("HGET", KEYS[1], "taken_by")}
end
if redis.call("PTTL", KEYS[1]) > tonumber(ARGV[2]) then redis.call("PEXPIRE", KEYS[1], ARGV[2]) end
return {1, ARGV[1]}
