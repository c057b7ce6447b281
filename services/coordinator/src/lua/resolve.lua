--[[
  resolve: a person found that a parked (`unknown`) intent did take effect: append the
  `succeeded` receipt they vouch for and make it the key's terminal outcome, atomically.

  KEYS[1] done      hash: key -> terminal outcome JSON
  KEYS[2] receipts  stream

  ARGV[1] idempotency key
  ARGV[2] receipt JSON

  Returns {0, receiptId} RESOLVED, {1, doneJson or ''} REFUSED (not unknown).
]]
local done = redis.call('HGET', KEYS[1], ARGV[1])
if not done or cjson.decode(done).status ~= 'unknown' then
  return {1, done or ''}
end
local receiptId = redis.call('XADD', KEYS[2], '*', 'receipt', ARGV[2])
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode({status = 'succeeded', receiptId = receiptId}))
return {0, receiptId}
