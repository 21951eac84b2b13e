/**
 * The Lua script that holds the gateway's per-key rate limits in Redis, for every
 * gateway process at once. One hash per key (`switchyard:ratelimit:<key name>`) keeps
 * two token buckets, each as a level and the time it was last written:
 * `requests`/`requests_at` and `tokens`/`tokens_at`. A bucket refills continuously at
 * its per-minute rate up to that rate, measured with Redis's own TIME inside the
 * script, so the gateways' clocks do not matter. A missing bucket is a full one; the
 * hash expires when both buckets would be full again, so idle keys vanish.
 *
 * `admit`  KEYS: the key's hash. ARGV: 'admit', requestsPerMinute, tokensPerMinute
 *          (0: no such limit). Refuses while the tokens bucket is at or below zero or
 *          the requests bucket holds less than one; otherwise takes one request.
 *          Answers { 1 } or { 0, 'requests' | 'tokens', milliseconds until room }.
 * `spend`  KEYS: one hash per key. ARGV: 'spend', then per key requestsPerMinute,
 *          tokensPerMinute, tokens used. Debits each tokens bucket (it may go below
 *          zero: tokens are known only once a call is done). Answers the count debited.
 */
export const sharedRateLimitScript = `
-- switchyard rate limit script
if redis.replicate_commands then redis.replicate_commands() end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

local function number(value, what)
  local parsed = tonumber(value)
  if parsed == nil or parsed < 0 then error('switchyard rate limit script: bad ' .. what .. ' ' .. tostring(value)) end
  return parsed
end

-- The bucket's level now: its stored level refilled since it was written, or full when absent.
local function level(stored, storedAt, perMinute)
  local value = tonumber(stored)
  local at = tonumber(storedAt)
  if value == nil or at == nil then return perMinute end
  return math.min(perMinute, value + math.max(0, now - at) * perMinute / 60000)
end

-- Milliseconds until a bucket at this level is full again.
local function untilFull(value, perMinute)
  if perMinute <= 0 or value >= perMinute then return 0 end
  return math.ceil((perMinute - value) * 60000 / perMinute)
end

-- Keep the hash until both buckets are full again (plus a second), or drop it when they are.
local function expire(key, requestsLevel, requestsPerMinute, tokensLevel, tokensPerMinute)
  local ms = math.max(untilFull(requestsLevel, requestsPerMinute), untilFull(tokensLevel, tokensPerMinute))
  if ms <= 0 then
    redis.call('DEL', key)
  else
    redis.call('PEXPIRE', key, ms + 1000)
  end
end

local mode = ARGV[1]
if mode == 'admit' then
  local key = KEYS[1]
  local requestsPerMinute = number(ARGV[2], 'requestsPerMinute')
  local tokensPerMinute = number(ARGV[3], 'tokensPerMinute')
  local stored = redis.call('HMGET', key, 'requests', 'requests_at', 'tokens', 'tokens_at')
  local requests = level(stored[1], stored[2], requestsPerMinute)
  local tokens = level(stored[3], stored[4], tokensPerMinute)
  if tokensPerMinute > 0 and tokens <= 0 then
    return { 0, 'tokens', math.max(1, math.ceil((1 - tokens) * 60000 / tokensPerMinute)) }
  end
  if requestsPerMinute > 0 then
    if requests < 1 then
      return { 0, 'requests', math.max(1, math.ceil((1 - requests) * 60000 / requestsPerMinute)) }
    end
    requests = requests - 1
    redis.call('HSET', key, 'requests', tostring(requests), 'requests_at', tostring(now))
  end
  expire(key, requests, requestsPerMinute, tokens, tokensPerMinute)
  return { 1 }
end

if mode == 'spend' then
  local debited = 0
  for index, key in ipairs(KEYS) do
    local base = 1 + (index - 1) * 3
    local requestsPerMinute = number(ARGV[base + 1], 'requestsPerMinute')
    local tokensPerMinute = number(ARGV[base + 2], 'tokensPerMinute')
    local used = number(ARGV[base + 3], 'tokens')
    if tokensPerMinute > 0 and used > 0 then
      local stored = redis.call('HMGET', key, 'requests', 'requests_at', 'tokens', 'tokens_at')
      local tokens = level(stored[3], stored[4], tokensPerMinute) - used
      redis.call('HSET', key, 'tokens', tostring(tokens), 'tokens_at', tostring(now))
      expire(key, level(stored[1], stored[2], requestsPerMinute), requestsPerMinute, tokens, tokensPerMinute)
      debited = debited + 1
    end
  end
  return debited
end

error('switchyard rate limit script: unknown mode ' .. tostring(mode))
`
