-- KEYS[1]: the budget, a hash {tokens, at (µs, Redis time)}
-- ARGV: sends a second, burst, reserve
-- Takes one token when more than reserve are left and returns 0; otherwise
-- takes none and returns the µs until reserve+1 tokens are there.
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local reserve = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local v = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(v[1])
local at = tonumber(v[2])
if tokens == nil or at == nil then
  tokens, at = burst, now
end
if now > at then
  tokens = math.min(burst, tokens + (now - at) * rate / 1000000)
  at = now
end
local wait = 0
if tokens >= reserve + 1 then
  tokens = tokens - 1
else
  wait = math.ceil((reserve + 1 - tokens) * 1000000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(at))
-- A full bucket is the same as no key: let an idle budget go.
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
return wait
