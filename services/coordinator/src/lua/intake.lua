--[[
  intake: record a submitted intent once per idempotency key and route it, atomically.
  The same key with the same content answers the existing record; with other content,
  a conflict (as Stripe does). Nothing is written in either case.

  KEYS[1]      records   hash: key -> IntentRecord JSON
  KEYS[2]      intents   stream
  KEYS[3..11]  state sets, one per state, in the order of INTENT_STATES

  ARGV[1] idempotency key
  ARGV[2] content hash
  ARGV[3] record JSON
  ARGV[4] index (1-based) of the record's state among the state sets
  ARGV[5] score (ms)
  ARGV[6] intent JSON to append to the intents stream, or '' to hold it (approval, schedule)

  Returns {0} CREATED, {1, recordJson} SAME (already submitted), {2, recordJson} CONFLICT.
]]
local key, hash = ARGV[1], ARGV[2]
local existing = redis.call('HGET', KEYS[1], key)
if existing then
  local known = cjson.decode(existing).contentHash
  -- A key known only from a receipt (written straight to the stream) has no hash to compare.
  if known == hash or known == cjson.null then
    return {1, existing}
  end
  return {2, existing}
end
redis.call('HSET', KEYS[1], key, ARGV[3])
redis.call('ZADD', KEYS[2 + tonumber(ARGV[4])], ARGV[5], key)
if ARGV[6] ~= '' then
  redis.call('XADD', KEYS[2], '*', 'intent', ARGV[6])
end
return {0}
