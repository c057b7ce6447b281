--[[
  account-status: record how an account's login stands (account-health.ts in contracts),
  keeping `since` while the status stays the same, so a person sees how long it has been.

  KEYS[1] accounts hash

  ARGV[1] account
  ARGV[2] status (`ok` | `needs_reauth`)
  ARGV[3] reason ('' for none)
  ARGV[4] now, ISO
  ARGV[5] consumer name

  Returns 1 when the status changed (or was not recorded), 0 when it stays.
]]
local account, status, reason, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local since = now
local changed = 1
local stored = redis.call('HGET', KEYS[1], account)
if stored then
  local ok, previous = pcall(cjson.decode, stored)
  if ok and type(previous) == 'table' and previous.status == status and type(previous.since) == 'string' then
    since = previous.since
    changed = 0
  end
end
local record = { status = status, since = since, checkedAt = now, by = ARGV[5] }
if reason == '' then
  record.reason = cjson.null
else
  record.reason = reason
end
redis.call('HSET', KEYS[1], account, cjson.encode(record))
return changed
