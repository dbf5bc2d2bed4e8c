for i = 2, #KEYS do
  local cur = redis.call("HMGET", KEYS[i], "director", "counsellor")
  if cur[1] ~= ARGV[1] and cur[2] ~= ARGV[1] then redis.call("ZREM", KEYS[1], ARGV[i]) end
end
return 1
