--[[
  extend: keep a lease alive while its effect runs, and reset the entry's idle time so
  the reclaimer does not hand it to another consumer meanwhile.

  KEYS[1] leases   hash
  KEYS[2] intents  stream

  ARGV[1] idempotency key
  ARGV[2] owner token
  ARGV[3] lease TTL, ms
  ARGV[4] consumer group
  ARGV[5] consumer name
  ARGV[6] intent entry id

  Returns {1, expiresAt} when extended, {0} when the lease is no longer ours.
]]
local key, token, ttl = ARGV[1], ARGV[2], tonumber(ARGV[3])
local lease = redis.call('HGET', KEYS[1], key)
if not lease then
  return {0}
end
local decoded = cjson.decode(lease)
if decoded.token ~= token then
  return {0}
end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
decoded.expiresAt = now + ttl
redis.call('HSET', KEYS[1], key, cjson.encode(decoded))
redis.call('XCLAIM', KEYS[2], ARGV[4], ARGV[5], 0, ARGV[6], 'JUSTID')
return {1, decoded.expiresAt}
