-- Publishes an account's sealed credentials only if they are newer than what Redis holds, so
-- an older pair (a slow host, a stale file) never overwrites a newer one.
-- KEYS[1] the sealed-credentials key
-- ARGV[1] the sealed value (JSON whose `generation` is in clear); ARGV[2] its generation
-- Returns 1 written, 0 Redis already holds this generation or a newer one.
local current = redis.call('GET', KEYS[1])
if current then
  local ok, decoded = pcall(cjson.decode, current)
  if ok and type(decoded) == 'table' and tonumber(decoded.generation) and tonumber(decoded.generation) >= tonumber(ARGV[2]) then
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[1])
return 1
