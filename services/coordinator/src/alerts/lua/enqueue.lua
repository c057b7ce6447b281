-- Queues an event for a destination's digest, once ever per (destination, event id).
-- KEYS[1] seen (zset), KEYS[2] the destination's pending list
-- ARGV[1] member "<destination>|<event id>", ARGV[2] now (ms), ARGV[3] event JSON
-- Returns 0 when the event was queued before, else the pending list's length (1: a new digest begins).
if redis.call('ZADD', KEYS[1], 'NX', ARGV[2], ARGV[1]) == 0 then
  return 0
end
return redis.call('RPUSH', KEYS[2], ARGV[3])
