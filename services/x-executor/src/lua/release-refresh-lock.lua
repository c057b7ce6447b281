-- Releases an account's refresh lock only if this refresher still holds it.
-- KEYS[1] the lock key; ARGV[1] the holder's token (random, no secret)
-- Returns 1 released, 0 held by another (it lapsed and was taken over) or gone.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
