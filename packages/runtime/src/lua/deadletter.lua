--[[
  deadletter: move an entry that cannot be carried out to the deadletter stream, with its
  original fields and a reason, and acknowledge it, atomically.

  KEYS[1] deadletter stream
  KEYS[2] intents    stream

  ARGV[1] consumer group
  ARGV[2] intent entry id
  ARGV[3] deadletter fields as a JSON array

  Returns {0, deadletterId}.
]]
local id = redis.call('XADD', KEYS[1], '*', unpack(cjson.decode(ARGV[3])))
redis.call('XACK', KEYS[2], ARGV[1], ARGV[2])
return {0, id}
