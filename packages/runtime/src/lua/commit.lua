--[[
  commit: record the outcome of each intent of a batch and acknowledge its entries,
  atomically. The ack never comes before the receipt; a key that already has a terminal
  receipt gets no second one.

  KEYS[1] done        hash: key -> terminal outcome JSON
  KEYS[2] leases      hash
  KEYS[3] armed       hash
  KEYS[4] receipts    stream
  KEYS[5] intents     stream
  KEYS[6] deadletter  stream

  ARGV[1] consumer group
  then 6 per item: idempotency key, owner token ('' when no lease was taken), receipt JSON,
  status, deadletter fields as a JSON array ('' for none), intent entry ids to acknowledge
  joined by ','

  Returns one reply per item:
    {0, receiptId}   COMMITTED
    {1, doneJson}    ALREADY_DONE: an earlier receipt stands; entries acknowledged
]]
local group = ARGV[1]

local function commit(key, token, receipt, status, deadletter, ackIds)
  local result
  local done = redis.call('HGET', KEYS[1], key)
  if done then
    result = {1, done}
  else
    local receiptId = redis.call('XADD', KEYS[4], '*', 'receipt', receipt)
    redis.call('HSET', KEYS[1], key, cjson.encode({status = status, receiptId = receiptId}))
    if deadletter ~= '' then
      redis.call('XADD', KEYS[6], '*', unpack(cjson.decode(deadletter)))
    end
    result = {0, receiptId}
  end
  local lease = redis.call('HGET', KEYS[2], key)
  if lease and cjson.decode(lease).token == token then
    redis.call('HDEL', KEYS[2], key)
  end
  -- The key is terminal: nothing about it is in doubt any more.
  redis.call('HDEL', KEYS[3], key)
  for id in string.gmatch(ackIds, '[^,]+') do
    redis.call('XACK', KEYS[5], group, id)
  end
  return result
end

local replies = {}
for i = 2, #ARGV, 6 do
  replies[#replies + 1] = commit(ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], ARGV[i + 5])
end
return replies
