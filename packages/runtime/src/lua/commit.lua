--[[
  commit: record the outcome of each intent of a batch and acknowledge its entries,
  atomically, but only for the owner whose token still holds the key's lease (a fenced
  commit, like BullMQ's moveToFinished refusing a job whose lock token differs). The ack
  never comes before the receipt; a key that already has a terminal receipt gets no second one.

  A lease that has lapsed but was not taken by anyone is still ours: nobody else can have
  acted on the key since, so the outcome we hold is the truth. A lease that another begin
  replaced (or that is gone) is not: the other owner is settling the key, its reconcile
  asks the API what happened, and a late outcome written here would overwrite that truth
  (or disarm an attempt that is still in doubt).

  KEYS[1] done        hash: key -> terminal outcome JSON
  KEYS[2] leases      hash
  KEYS[3] armed       hash
  KEYS[4] receipts    stream
  KEYS[5] intents     stream
  KEYS[6] deadletter  stream
  KEYS[7] held        hash: key -> intent waiting for its account's login (see account-health.ts)

  ARGV[1] consumer group
  then 7 per item: idempotency key, owner token, receipt JSON, status, deadletter fields
  as a JSON array ('' for none), intent entry ids to acknowledge joined by ',', and the
  receipts of keys derived from this one ('' for none; a JSON array of [key, status, receipt
  JSON], e.g. the parts of an x.thread): written before the key's own receipt, under the
  same fence, each at most once

  An empty token is a person's decision made through the coordinator, without a lease: it
  holds only while no executor has a live lease on the key or an attempt armed.

  Returns one reply per item:
    {0, receiptId}   COMMITTED
    {1, doneJson}    ALREADY_DONE: an earlier receipt stands; entries acknowledged
    {2, leaseJson}   STALE: the lease is another owner's ('' when there is none); nothing
                     written, nothing acknowledged: the entry stays with the key's owner
]]
local group = ARGV[1]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

local function ack(ackIds)
  for id in string.gmatch(ackIds, '[^,]+') do
    redis.call('XACK', KEYS[5], group, id)
  end
end

local function commit(key, token, receipt, status, deadletter, ackIds, derived)
  local done = redis.call('HGET', KEYS[1], key)
  local lease = redis.call('HGET', KEYS[2], key)
  local ours
  if token == '' then
    ours = redis.call('HEXISTS', KEYS[3], key) == 0
      and not (lease and tonumber(cjson.decode(lease).expiresAt) > now)
  else
    ours = lease and cjson.decode(lease).token == token
  end
  if done then
    -- Terminal already (another owner, or a person's resolve): the entries are settled.
    if ours then
      redis.call('HDEL', KEYS[2], key)
    end
    redis.call('HDEL', KEYS[3], key)
    -- A terminal key waits for nothing: a copy held across a crash must not stay listed.
    redis.call('HDEL', KEYS[7], key)
    ack(ackIds)
    return {1, done}
  end
  if not ours then
    return {2, lease or ''}
  end
  if derived ~= '' then
    for _, d in ipairs(cjson.decode(derived)) do
      if redis.call('HEXISTS', KEYS[1], d[1]) == 0 then
        local id = redis.call('XADD', KEYS[4], '*', 'receipt', d[3])
        redis.call('HSET', KEYS[1], d[1], cjson.encode({status = d[2], receiptId = id}))
      end
    end
  end
  local receiptId = redis.call('XADD', KEYS[4], '*', 'receipt', receipt)
  redis.call('HSET', KEYS[1], key, cjson.encode({status = status, receiptId = receiptId}))
  if deadletter ~= '' then
    redis.call('XADD', KEYS[6], '*', unpack(cjson.decode(deadletter)))
  end
  redis.call('HDEL', KEYS[2], key)
  -- The key is terminal: nothing about it is in doubt any more.
  redis.call('HDEL', KEYS[3], key)
  redis.call('HDEL', KEYS[7], key)
  ack(ackIds)
  return {0, receiptId}
end

local replies = {}
for i = 2, #ARGV, 7 do
  replies[#replies + 1] =
    commit(ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], ARGV[i + 5], ARGV[i + 6])
end
return replies
