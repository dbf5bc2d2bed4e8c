-- Extends a claim on an update, if it is still ours.
-- KEYS[1] claim; ARGV[1] our token, ARGV[2] lease in ms
-- Returns 1 when extended, 0 when the claim is no longer ours.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
