-- Drops a batch once its intent exists, only if it is still the batch that was taken
-- (another coordinator's flush may have finished it and taken the next).
-- KEYS[1] batch list; ARGV[1] its first event JSON, ARGV[2] its length.
if redis.call('LINDEX', KEYS[1], 0) == ARGV[1] and redis.call('LLEN', KEYS[1]) == tonumber(ARGV[2]) then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
