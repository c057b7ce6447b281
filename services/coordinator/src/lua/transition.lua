--[[
  transition: move one record from an expected state to a new one, atomically, and
  optionally append its intent to the stream (approval, schedule, replay). A record in
  another state is left alone: the caller decided on a state that no longer holds.

  KEYS[1]      records   hash
  KEYS[2]      intents   stream
  KEYS[3..11]  state sets, one per state, in the order of INTENT_STATES
  KEYS[12]     done      hash: the executors' idempotency index
  KEYS[13]     attempts  hash

  ARGV[1] idempotency key
  ARGV[2] allowed current states, comma-separated; '*' for any, '' for "no record yet"
  ARGV[3] new record JSON
  ARGV[4] index (1-based) of the new state among the state sets
  ARGV[5] score (ms)
  ARGV[6] intent JSON to append to the intents stream, or ''
  ARGV[7] '1' to clear the key's terminal outcome and attempt count first (a replay), else '0'

  Returns {0, previousState or ''} MOVED, {1, currentRecordJson or ''} REFUSED.
]]
local key, allowed = ARGV[1], ARGV[2]
local current = redis.call('HGET', KEYS[1], key)
local state = ''
if current then
  state = cjson.decode(current).state
end
local ok = allowed == '*'
if not ok then
  for s in string.gmatch(allowed, '[^,]+') do
    if s == state then
      ok = true
    end
  end
  if allowed == '' and not current then
    ok = true
  end
end
if not ok then
  return {1, current or ''}
end
for i = 3, 11 do
  redis.call('ZREM', KEYS[i], key)
end
if ARGV[7] == '1' then
  redis.call('HDEL', KEYS[12], key)
  redis.call('HDEL', KEYS[13], key)
end
redis.call('HSET', KEYS[1], key, ARGV[3])
redis.call('ZADD', KEYS[2 + tonumber(ARGV[4])], ARGV[5], key)
if ARGV[6] ~= '' then
  redis.call('XADD', KEYS[2], '*', 'intent', ARGV[6])
end
return {0, state}
