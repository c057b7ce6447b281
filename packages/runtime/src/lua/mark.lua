--[[
  mark: record, durably and before a point of no return in an effect, that the current
  attempt reached it (e.g. email's "the final dot of DATA is about to be written"). Whoever
  takes the key over later reads the marks of the attempts still in doubt: an attempt that
  never reached the point cannot have had the effect, so it need not be parked.

  Fenced like commit: only the token holding the lease (live, or lapsed but not replaced)
  and the armed attempt may mark. A caller that gets 0 has lost the key and must not pass
  the point.

  KEYS[1] leases  hash
  KEYS[2] armed   hash

  ARGV[1] idempotency key
  ARGV[2] owner token
  ARGV[3] mark (a short name)

  Returns {1} when marked (or already marked), {0} when the attempt is no longer ours.
]]
local key, token, mark = ARGV[1], ARGV[2], ARGV[3]
local lease = redis.call('HGET', KEYS[1], key)
if not lease or cjson.decode(lease).token ~= token then
  return {0}
end
local armedJson = redis.call('HGET', KEYS[2], key)
if not armedJson then
  return {0}
end
local armed = cjson.decode(armedJson)
if armed.token ~= token then
  return {0}
end
local marks = armed.marks
if type(marks) ~= 'table' then
  marks = {}
end
for _, m in ipairs(marks) do
  if m == mark then
    return {1}
  end
end
marks[#marks + 1] = mark
armed.marks = marks
redis.call('HSET', KEYS[2], key, cjson.encode(armed))
return {1}
