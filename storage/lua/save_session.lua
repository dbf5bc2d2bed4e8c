if ARGV[1] == "0" then
  if redis.call("EXISTS", KEYS[1]) == 1 then return 0 end
else
  local cur = redis.call("HMGET", KEYS[1], "v", "w")
  if cur[1] ~= ARGV[1] then return 0 end
  if ARGV[2] ~= "" and cur[2] ~= ARGV[2] then return 0 end
end
redis.call("HSET", KEYS[1], "v", ARGV[3], "w", ARGV[4], "state", ARGV[5], "updated", ARGV[6], "upd", ARGV[7], "data", ARGV[8])
redis.call("PEXPIRE", KEYS[1], ARGV[9])
return 1
