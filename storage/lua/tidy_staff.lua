for i = 2, #KEYS do
  if redis.call("EXISTS", KEYS[i]) == 0 then redis.call("SREM", KEYS[1], ARGV[i - 1]) end
end
return 1
