local cur = redis.call("HMGET", KEYS[1], "director", "counsellor")
for i = 2, #KEYS do
  if cur[1] ~= ARGV[i] and cur[2] ~= ARGV[i] then redis.call("ZREM", KEYS[i], ARGV[1]) end
end
return 1
