/**
 * The one server-side script behind shared budgets (see README.md, "Shared
 * reservations"). Every change to a budget's shared state runs inside it, so a
 * check and the reservation it admits are one atomic step for every process.
 *
 * Per budget four keys (KEYS holds 4 per budget, in the order below):
 * - `entries` HASH: entry id → `<kind>:<nano-USD>`; kind `r` (reserved, in flight),
 *   `u` (finished, not yet seen in ClickHouse) or `s` (seen by some process's scan).
 * - `leases` ZSET: the `r` and `u` entries by lease end (Redis TIME, ms).
 * - `seen` ZSET: the `s` entries by the start time of the scan that saw them.
 * - `totals` HASH: running sums `reserved`, `unconfirmed` (nano-USD) and counters
 *   `dropped`, `expired`.
 *
 * Amounts are nano-USD in Lua numbers (doubles, exact to 2^53 nano-USD, $9M).
 *
 * ARGV: op, callerNowMs, leaseMs, maxEntries, seenRetentionMs, keyTtlMs, then per op:
 * - `reserve`: id, units, then per budget: room (-1: no limit), figureAtMs.
 *   Returns {1, shared...} when admitted (and reserved in every budget), or
 *   {0, index, shared} naming the first budget without room.
 * - `sync`: per budget: figureAtMs, n, n × (id, kind, units) upserts, n, n × id
 *   deletes, n, n × (id, seenAtMs) seen. Returns per budget 6 numbers: shared,
 *   reserved, unconfirmed, seen, dropped, expired.
 */
export const sharedBudgetScript = `
local op = ARGV[1]
local callerNow = tonumber(ARGV[2])
local leaseMs = tonumber(ARGV[3])
local maxEntries = tonumber(ARGV[4])
local seenRetentionMs = tonumber(ARGV[5])
local keyTtlMs = tonumber(ARGV[6])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local budgets = #KEYS / 4

local function fmt(n) return string.format('%.0f', n) end

local function keysOf(b)
  local base = (b - 1) * 4
  return { entries = KEYS[base + 1], leases = KEYS[base + 2], seen = KEYS[base + 3], totals = KEYS[base + 4] }
end

local function removeEntry(k, id)
  local value = redis.call('HGET', k.entries, id)
  if not value then return false end
  local kind = string.sub(value, 1, 1)
  local units = tonumber(string.sub(value, 3))
  if kind == 'r' then redis.call('HINCRBY', k.totals, 'reserved', fmt(-units))
  elseif kind == 'u' then redis.call('HINCRBY', k.totals, 'unconfirmed', fmt(-units)) end
  redis.call('HDEL', k.entries, id)
  redis.call('ZREM', k.leases, id)
  redis.call('ZREM', k.seen, id)
  return true
end

local function purge(k)
  local expired = redis.call('ZRANGEBYSCORE', k.leases, '-inf', now, 'LIMIT', 0, 1000)
  for _, id in ipairs(expired) do removeEntry(k, id) end
  if #expired > 0 then redis.call('HINCRBY', k.totals, 'expired', #expired) end
  local old = redis.call('ZRANGEBYSCORE', k.seen, '-inf', fmt(callerNow - seenRetentionMs), 'LIMIT', 0, 1000)
  for _, id in ipairs(old) do removeEntry(k, id) end
end

-- Live spend plus the seen entries that a figure read at figureAtMs may not hold yet.
local function shared(k, figureAtMs)
  local totals = redis.call('HMGET', k.totals, 'reserved', 'unconfirmed')
  local sum = (tonumber(totals[1]) or 0) + (tonumber(totals[2]) or 0)
  local ids = redis.call('ZRANGEBYSCORE', k.seen, '(' .. fmt(figureAtMs), '+inf')
  for _, id in ipairs(ids) do
    local value = redis.call('HGET', k.entries, id)
    if value then sum = sum + tonumber(string.sub(value, 3)) end
  end
  return sum
end

local function insert(k, id, kind, units)
  if not removeEntry(k, id) and redis.call('HLEN', k.entries) >= maxEntries then
    local victim = redis.call('ZRANGE', k.seen, 0, 0)[1] or redis.call('ZRANGE', k.leases, 0, 0)[1]
    if victim then
      removeEntry(k, victim)
      redis.call('HINCRBY', k.totals, 'dropped', 1)
    end
  end
  redis.call('HSET', k.entries, id, kind .. ':' .. fmt(units))
  redis.call('ZADD', k.leases, now + leaseMs, id)
  redis.call('HINCRBY', k.totals, kind == 'r' and 'reserved' or 'unconfirmed', fmt(units))
end

local function markSeen(k, id, seenAtMs)
  local value = redis.call('HGET', k.entries, id)
  if not value or string.sub(value, 1, 1) == 's' then return end
  local units = string.sub(value, 3)
  removeEntry(k, id)
  redis.call('HSET', k.entries, id, 's:' .. units)
  redis.call('ZADD', k.seen, seenAtMs, id)
end

local function keep(k)
  for _, key in pairs(k) do redis.call('PEXPIRE', key, keyTtlMs) end
end

if op == 'reserve' then
  local id = ARGV[7]
  local units = tonumber(ARGV[8])
  local figures = {}
  for b = 1, budgets do
    local k = keysOf(b)
    purge(k)
    local room = tonumber(ARGV[7 + 2 * b])
    local figure = shared(k, tonumber(ARGV[8 + 2 * b]))
    if room >= 0 and figure + units > room then return { 0, b, figure } end
    figures[b] = figure
  end
  local reply = { 1 }
  for b = 1, budgets do
    local k = keysOf(b)
    insert(k, id, 'r', units)
    keep(k)
    reply[b + 1] = figures[b] + units
  end
  return reply
end

if op == 'sync' then
  local at = 7
  local reply = {}
  for b = 1, budgets do
    local k = keysOf(b)
    purge(k)
    local figureAtMs = tonumber(ARGV[at])
    local count = tonumber(ARGV[at + 1])
    at = at + 2
    for _ = 1, count do
      insert(k, ARGV[at], ARGV[at + 1], tonumber(ARGV[at + 2]))
      at = at + 3
    end
    count = tonumber(ARGV[at])
    at = at + 1
    for _ = 1, count do
      removeEntry(k, ARGV[at])
      at = at + 1
    end
    count = tonumber(ARGV[at])
    at = at + 1
    for _ = 1, count do
      markSeen(k, ARGV[at], tonumber(ARGV[at + 1]))
      at = at + 2
    end
    keep(k)
    local totals = redis.call('HMGET', k.totals, 'reserved', 'unconfirmed', 'dropped', 'expired')
    local base = (b - 1) * 6
    reply[base + 1] = shared(k, figureAtMs)
    reply[base + 2] = tonumber(totals[1]) or 0
    reply[base + 3] = tonumber(totals[2]) or 0
    reply[base + 4] = redis.call('ZCARD', k.seen)
    reply[base + 5] = tonumber(totals[3]) or 0
    reply[base + 6] = tonumber(totals[4]) or 0
  end
  return reply
end

return redis.error_reply('switchyard budget script: unknown op ' .. tostring(op))
`
