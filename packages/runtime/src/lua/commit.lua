--[[
  commit: record the outcome of an intent and acknowledge its entries, atomically. The
  ack never comes before the receipt; a key that already has a terminal receipt gets no second one.

  KEYS[1] done        hash: key -> terminal outcome JSON
  KEYS[2] leases      hash
  KEYS[3] armed       hash
  KEYS[4] receipts    stream
  KEYS[5] intents     stream
  KEYS[6] deadletter  stream

  ARGV[1] idempotency key
  ARGV[2] owner token ('' when no lease was taken)
  ARGV[3] receipt JSON
  ARGV[4] status
  ARGV[5] consumer group
  ARGV[6] deadletter fields as a JSON array, or '' for none
  ARGV[7..] intent entry ids to acknowledge

  Returns:
    {0, receiptId}   COMMITTED
    {1, doneJson}    ALREADY_DONE: an earlier receipt stands; entries acknowledged
]]
local key, token = ARGV[1], ARGV[2]
local result

local done = redis.call('HGET', KEYS[1], key)
if done then
  result = {1, done}
else
  local receiptId = redis.call('XADD', KEYS[4], '*', 'receipt', ARGV[3])
  redis.call('HSET', KEYS[1], key, cjson.encode({status = ARGV[4], receiptId = receiptId}))
  if ARGV[6] ~= '' then
    redis.call('XADD', KEYS[6], '*', unpack(cjson.decode(ARGV[6])))
  end
  result = {0, receiptId}
end

local lease = redis.call('HGET', KEYS[2], key)
if lease and cjson.decode(lease).token == token then
  redis.call('HDEL', KEYS[2], key)
end
-- The key is terminal: nothing about it is in doubt any more.
redis.call('HDEL', KEYS[3], key)

if #ARGV >= 7 then
  redis.call('XACK', KEYS[5], ARGV[5], unpack(ARGV, 7))
end
return result
