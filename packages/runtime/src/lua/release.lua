--[[
  release: give up a lease without an outcome (rate limited, gate closed, retry later),
  and acknowledge entries whose follow-up already exists (a delayed re-append).

  KEYS[1] leases    hash
  KEYS[2] armed     hash
  KEYS[3] attempts  hash
  KEYS[4] intents   stream

  ARGV[1] idempotency key
  ARGV[2] owner token
  ARGV[3] '1' to disarm: the effect is known not to have happened
  ARGV[4] '1' to take back the attempt count: no request was sent
  ARGV[5] consumer group
  ARGV[6..] intent entry ids to acknowledge

  Returns {1} when the lease was ours and is released, {0} when it was not ours (nothing changed but acks).
]]
local key, token = ARGV[1], ARGV[2]
local ours = 0

local lease = redis.call('HGET', KEYS[1], key)
if lease and cjson.decode(lease).token == token then
  redis.call('HDEL', KEYS[1], key)
  ours = 1
  if ARGV[3] == '1' then
    local armed = redis.call('HGET', KEYS[2], key)
    if armed and cjson.decode(armed).token == token then
      redis.call('HDEL', KEYS[2], key)
    end
  end
  if ARGV[4] == '1' then
    if redis.call('HINCRBY', KEYS[3], key, -1) <= 0 then
      redis.call('HDEL', KEYS[3], key)
    end
  end
end

if #ARGV >= 6 then
  redis.call('XACK', KEYS[4], ARGV[5], unpack(ARGV, 6))
end
return {ours}
