--[[
  release: give up a lease without an outcome, for a named reason, and acknowledge entries
  whose follow-up already exists (a delayed re-append).

  KEYS[1] leases    hash
  KEYS[2] armed     hash
  KEYS[3] attempts  hash
  KEYS[4] intents   stream

  ARGV[1] idempotency key
  ARGV[2] owner token
  ARGV[3] reason, one of:
            not_sent  no request left this executor (its own limit, an open breaker): the
                      attempt is disarmed and does not count
            not_done  a request went out and is known to have had no effect (the API said
                      so, or reconcile found nothing): disarmed, and it counts
            not_sent_keep  nothing was sent, but the attempt's marks record progress (a
                      thread's posted parts): it stays armed and does not count
            in_doubt  the effect may have happened and nobody could ask: the attempt stays
                      armed, so whoever begins next reconciles first; it counts
  ARGV[4] consumer group
  ARGV[5..] intent entry ids to acknowledge

  Returns {1} when the lease was ours and is released, {0} when it was not ours (nothing
  changed but acks); an unknown reason is an error and changes nothing.
]]
local key, token, reason = ARGV[1], ARGV[2], ARGV[3]
if reason ~= 'not_sent' and reason ~= 'not_done' and reason ~= 'in_doubt' and reason ~= 'not_sent_keep' then
  return redis.error_reply('release: unknown reason ' .. tostring(reason))
end
local ours = 0

local lease = redis.call('HGET', KEYS[1], key)
if lease and cjson.decode(lease).token == token then
  redis.call('HDEL', KEYS[1], key)
  ours = 1
  if reason == 'not_sent' or reason == 'not_done' then
    local armed = redis.call('HGET', KEYS[2], key)
    if armed and cjson.decode(armed).token == token then
      redis.call('HDEL', KEYS[2], key)
    end
  end
  if reason == 'not_sent' or reason == 'not_sent_keep' then
    if redis.call('HINCRBY', KEYS[3], key, -1) <= 0 then
      redis.call('HDEL', KEYS[3], key)
    end
  end
end

if #ARGV >= 5 then
  redis.call('XACK', KEYS[4], ARGV[4], unpack(ARGV, 5))
end
return {ours}
