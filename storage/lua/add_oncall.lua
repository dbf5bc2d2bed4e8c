local id = 0
for _, k in ipairs(redis.call("HKEYS", KEYS[1])) do
  local n = tonumber(k)
  if n and n > id then id = n end
end
id = id + 1
redis.call("HSET", KEYS[1], tostring(id), string.format(ARGV[1], id))
return id
