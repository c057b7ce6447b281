--[[
  begin: decide, atomically, for each intent of a batch whether this consumer may act on
  its idempotency key now. Items are decided in order, so two entries of one key in the
  same batch see each other (the second finds the first's lease).

  KEYS[1] gate      hash: global, channel ('0' = closed)
  KEYS[2] done      hash: key -> terminal outcome JSON
  KEYS[3] leases    hash: key -> lease JSON {owner, token, expiresAt, since, intentId}
  KEYS[4] armed     hash: key -> armed attempt JSON (with the marks of attempts in doubt)
  KEYS[5] attempts  hash: key -> effect attempts so far
  KEYS[6] held      hash: key -> intent waiting for its account's login

  ARGV[1] lease TTL, ms
  ARGV[2] owner (consumer name)
  then 4 per item: idempotency key, owner token (unique per begin), intent entry id,
  mode ('effect': will call the API; 'verdict': will only write a receipt)

  Returns one reply per item, first element the code:
    {0, attempt, startedAt}            BEGUN: lease taken, attempt armed
    {1}                                GATE_CLOSED: no new effect may start
    {2, doneJson}                      DONE: a terminal receipt exists; ack, do nothing
    {3}                                BUSY: another owner holds a live lease, or (verdict) an attempt is in doubt
    {4}                                VERDICT: lease taken for a receipt without an effect
    {5, attempt, startedAt, armedJson} TAKEOVER: lease taken; an earlier attempt was armed by an owner that is gone
]]
local ttl, owner = tonumber(ARGV[1]), ARGV[2]
local gate = redis.call('HMGET', KEYS[1], 'global', 'channel')
local gateClosed = gate[1] == '0' or gate[2] == '0'
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

local function begin(key, token, intentId, mode)
  if mode == 'effect' and gateClosed then
    return {1}
  end
  local done = redis.call('HGET', KEYS[2], key)
  if done then
    -- Terminal: nothing waits for a login any more (a hold left behind by a crash, say).
    redis.call('HDEL', KEYS[6], key)
    return {2, done}
  end
  local lease = redis.call('HGET', KEYS[3], key)
  if lease and tonumber(cjson.decode(lease).expiresAt) > now then
    return {3}
  end
  local armed = redis.call('HGET', KEYS[4], key)
  if mode == 'verdict' and armed then
    -- An effect for this key may have happened; the entry that armed it settles the key first.
    return {3}
  end
  redis.call('HSET', KEYS[3], key,
    cjson.encode({owner = owner, token = token, expiresAt = now + ttl, since = now, intentId = intentId}))
  if mode == 'verdict' then
    return {4}
  end
  local attempt = redis.call('HINCRBY', KEYS[5], key, 1)
  -- Reconcile looks for the effect since the first armed attempt, so a takeover keeps its
  -- start, and the marks of the attempts still in doubt (see mark.lua).
  local startedAt = now
  local record = {
    owner = owner, token = token, intentId = intentId, attempt = attempt, attemptStartedAt = now,
  }
  if armed then
    local previous = cjson.decode(armed)
    startedAt = tonumber(previous.startedAt)
    if type(previous.marks) == 'table' and #previous.marks > 0 then
      record.marks = previous.marks
    end
  end
  record.startedAt = startedAt
  redis.call('HSET', KEYS[4], key, cjson.encode(record))
  if armed then
    return {5, attempt, startedAt, armed}
  end
  return {0, attempt, startedAt}
end

local replies = {}
for i = 3, #ARGV, 4 do
  replies[#replies + 1] = begin(ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3])
end
return replies
