-- Takes a destination's events for one digest: the batch an interrupted flush left, else
-- everything pending (renamed, so events that arrive meanwhile start the next digest).
-- KEYS[1] pending list, KEYS[2] batch list. Returns the batch's event JSONs (empty: nothing).
if redis.call('EXISTS', KEYS[2]) == 0 then
  if redis.call('EXISTS', KEYS[1]) == 0 then
    return {}
  end
  redis.call('RENAME', KEYS[1], KEYS[2])
end
return redis.call('LRANGE', KEYS[2], 0, -1)
